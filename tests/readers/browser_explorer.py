"""Opens the explorer of a running `newskg serve` in headless Chromium (Selenium with
Debian's chromium-driver), and checks what a reader would: the Russia node and the
recognizes edge are drawn; clicking Russia shows an evidence sentence from the store; a
SPARQL query typed into the box shows its rows. Saves a screenshot.

Usage: python3 browser_explorer.py BASE_URL SCREENSHOT.png
"""

import json
import sys
import urllib.request

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

base, shot = sys.argv[1], sys.argv[2]
opts = webdriver.ChromeOptions()
for flag in ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1400,1050"]:
    opts.add_argument(flag)
opts.binary_location = "/usr/bin/chromium"
driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=opts)
checks = []
try:
    wait = WebDriverWait(driver, 20)
    driver.get(base)
    russia = wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, '.node[data-id="russia"] circle')))
    checks.append("Russia node drawn")
    edge = driver.find_elements(By.CSS_SELECTOR, '.edge[data-predicate="recognizes"][data-source="russia"][data-target="taliban"] path.line')
    assert edge and edge[0].get_attribute("d"), "no recognizes edge"
    checks.append("recognizes edge Russia -> Taliban drawn")

    evidence = json.load(urllib.request.urlopen(base + "api/entity/russia"))["relations"]
    sentences = {r["evidence"] for r in evidence}
    russia.click()
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#details blockquote.evidence"))
    shown = [b.text for b in driver.find_elements(By.CSS_SELECTOR, "#details blockquote.evidence")]
    assert shown and all(s in sentences for s in shown), shown
    assert "Russia" in driver.find_element(By.CSS_SELECTOR, "#details h3").text
    checks.append(f"clicking Russia shows {len(shown)} evidence sentences, e.g. {shown[0][:60]!r}")

    box = driver.find_element(By.ID, "sparql-query")
    box.clear()
    box.send_keys("SELECT ?who ?whom WHERE { ?who nkg:recognizes ?whom }")
    driver.find_element(By.ID, "sparql-run").click()
    rows = wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#sparql-results tbody tr"))
    cells = [c.text for c in rows[0].find_elements(By.TAG_NAME, "td")]
    assert cells == ["ent:russia", "ent:taliban"], cells
    checks.append(f"SPARQL box: {len(rows)} row(s), first {cells}")

    # Leave the page showing what a reader sees: Russia selected, the query's rows.
    driver.execute_script("window.scrollTo(0, 0)")
    driver.save_screenshot(shot)
    checks.append("screenshot saved")
    errors = [l for l in driver.get_log("browser") if l.get("level") == "SEVERE"]
    assert not errors, errors
    checks.append("no errors in the browser console")
finally:
    driver.quit()
print(json.dumps({"checks": checks}, indent=1))

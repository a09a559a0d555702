//! Every export writer on a graph whose names, labels, types and evidence come from
//! arbitrary bytes, cut into fields at 0xFF (checks in tests/props/checks.rs).
#![no_main]

#[path = "../../tests/props/checks.rs"]
mod checks;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let fields: Vec<String> = data.split(|&b| b == 0xFF).map(|f| String::from_utf8_lossy(f).into_owned()).collect();
    checks::check_exports(&fields);
});

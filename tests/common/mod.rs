//! Helpers shared by the integration tests: run the binary, find the project, make
//! scratch folders, start `newskg serve`, run the Python readers.

#![allow(dead_code)] // each test file uses its own subset

use std::fs;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

pub fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_newskg"))
}

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn run(args: &[&str]) -> Output {
    bin().args(args).output().expect("newskg runs")
}

/// stdout of a run that must succeed (else the assertion shows both streams).
pub fn ok(o: Output) -> String {
    assert!(
        o.status.success(),
        "failed ({:?}):\n{}\n{}",
        o.status,
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8(o.stdout).unwrap()
}

/// A fresh scratch folder for one test of one test file.
pub fn tmpdir(group: &str, name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("newskg-{group}-{}-{name}", std::process::id()));
    let _ = fs::remove_dir_all(&d);
    fs::create_dir_all(&d).unwrap();
    d
}

/// The sample article, as `build` takes it.
pub fn sample() -> String {
    root().join("data/articles/russia-recognizes-taliban.txt").display().to_string()
}

/// Builds the sample article into `dir/kg.store`; returns the store's path.
pub fn sample_store_in(dir: &Path) -> String {
    let store = dir.join("kg.store");
    ok(run(&["build", &sample(), "--store", store.to_str().unwrap()]));
    store.display().to_string()
}

/// Runs the reader `tests/readers/SCRIPT` with `args`; its stdout (it must succeed).
pub fn python(script: &str, args: &[&str]) -> String {
    python3(&[root().join("tests/readers").join(script).display().to_string().as_str()], args)
}

/// Runs a Python program given as text (`python3 -c CODE ARGS…`); its stdout (it must
/// succeed).
pub fn python_code(code: &str, args: &[&str]) -> String {
    python3(&["-c", code], args)
}

fn python3(program: &[&str], args: &[&str]) -> String {
    let o = Command::new("python3")
        .args(program)
        .args(args)
        .output()
        .expect("python3 is installed (.ci/run installs it and the readers' modules)");
    assert!(
        o.status.success(),
        "python3 {} failed:\n{}\n{}",
        program.last().unwrap_or(&""),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8(o.stdout).unwrap()
}

/// A running `newskg serve` on a free loopback port, with a self-stop deadline; killed
/// on drop.
pub struct Server {
    pub child: Child,
    pub url: String,
}

impl Server {
    pub fn start(store: &str, extra: &[&str]) -> Server {
        let mut args = vec!["serve", "--store", store, "--port", "0", "--stop-after", "300"];
        args.extend_from_slice(extra);
        let mut child =
            bin().args(&args).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("newskg serve starts");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
        if !line.starts_with("http://127.0.0.1:") {
            let mut err = String::new();
            child.stderr.take().unwrap().read_to_string(&mut err).unwrap();
            panic!("the server did not print its URL: {line:?}\n{err}");
        }
        Server { child, url: line.trim().to_string() }
    }

    /// `127.0.0.1:PORT`.
    pub fn addr(&self) -> String {
        self.url.trim_start_matches("http://").trim_end_matches('/').to_string()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Records a test's figures for `RELIABILITY.md`: when `NEWSKG_RELIABILITY_DIR` is set
/// (by `tests/reliability_report.py`), writes `markdown` (a `##` section with its table)
/// to `DIR/NAME.md`; otherwise does nothing. The figures are the test's own counts, so the
/// report is exactly what the passing tests measured.
pub fn report(name: &str, markdown: &str) {
    if let Some(dir) = std::env::var_os("NEWSKG_RELIABILITY_DIR") {
        let dir = PathBuf::from(dir);
        fs::create_dir_all(&dir).unwrap();
        fs::write(dir.join(format!("{name}.md")), markdown).unwrap();
    }
}

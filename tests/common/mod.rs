//! Helpers shared by the integration tests: run the binary, find the project, make
//! scratch folders.

#![allow(dead_code)] // each test file uses its own subset

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

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

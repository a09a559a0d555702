//! Embeds the default gazetteer and lexicon (`data/gazetteer`, `data/lexicon`) into the
//! binary, so `newskg` works from any directory; `--data DIR` still overrides them at run
//! time. Every file below those folders is embedded, so adding a file needs no Rust change.

use std::{env, fs, path::Path};

fn main() {
    // Read at run time, not with env!(): the compiled build script is reused by clones of
    // the repository at other paths that share a target directory.
    let manifest_dir = env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let root = Path::new(&manifest_dir).join("data");
    let mut files = Vec::new();
    for sub in ["gazetteer", "lexicon"] {
        collect(&root.join(sub), &root, &mut files);
    }
    files.sort();
    let mut out = String::from("/// Files of the default data folder, as (path relative to `data/`, text).\npub static EMBEDDED: &[(&str, &str)] = &[\n");
    for (rel, abs) in &files {
        out.push_str(&format!("    ({rel:?}, include_str!({abs:?})),\n"));
    }
    out.push_str("];\n");
    let dest = Path::new(&env::var("OUT_DIR").unwrap()).join("embedded.rs");
    fs::write(dest, out).unwrap();
    println!("cargo:rerun-if-changed=data/gazetteer");
    println!("cargo:rerun-if-changed=data/lexicon");

    // The example SPARQL queries, offered by the server's explorer.
    let mut queries = Vec::new();
    let dir = root.join("queries");
    for entry in fs::read_dir(&dir).unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display())).flatten() {
        let path = entry.path();
        if path.extension().and_then(|e| e.to_str()) == Some("rq") {
            let name = path.file_stem().unwrap().to_string_lossy().into_owned();
            queries.push((name, path.canonicalize().unwrap().to_string_lossy().into_owned()));
        }
    }
    queries.sort();
    let mut out = String::from("/// The example queries of `data/queries/`, as (file stem, text).\npub static EXAMPLE_QUERIES: &[(&str, &str)] = &[\n");
    for (name, abs) in &queries {
        out.push_str(&format!("    ({name:?}, include_str!({abs:?})),\n"));
    }
    out.push_str("];\n");
    fs::write(Path::new(&env::var("OUT_DIR").unwrap()).join("queries.rs"), out).unwrap();
    println!("cargo:rerun-if-changed=data/queries");
}

fn collect(dir: &Path, root: &Path, files: &mut Vec<(String, String)>) {
    let entries = fs::read_dir(dir).unwrap_or_else(|e| panic!("cannot read the data folder {}: {e}", dir.display()));
    for entry in entries.flatten() {
        let path = entry.path();
        println!("cargo:rerun-if-changed={}", path.display());
        if path.is_dir() {
            collect(&path, root, files);
        } else if matches!(path.extension().and_then(|e| e.to_str()), Some("tsv" | "toml" | "txt")) {
            let rel = path.strip_prefix(root).unwrap().to_string_lossy().replace('\\', "/");
            files.push((rel, path.canonicalize().unwrap().to_string_lossy().into_owned()));
        }
    }
}

//! Where the gazetteer and lexicon come from: the copy embedded in the binary at build
//! time, or a folder the user points to (`--data DIR`) to try edits without rebuilding.
//! Loading errors name the file and line and say what to fix.

use std::{fmt, fs, io, path::Path};

include!(concat!(env!("OUT_DIR"), "/embedded.rs"));

/// The text files of a data folder, keyed by their path relative to it
/// (`gazetteer/countries.tsv`, `lexicon/triggers.toml`).
#[derive(Clone, Debug)]
pub struct DataFiles {
    files: Vec<(String, String)>,
    origin: String,
}

impl DataFiles {
    /// The data folder as it was when the binary was built.
    pub fn embedded() -> DataFiles {
        DataFiles {
            files: EMBEDDED.iter().map(|(p, t)| (p.to_string(), t.to_string())).collect(),
            origin: "data".to_string(),
        }
    }

    /// Reads `dir/gazetteer` and `dir/lexicon` (every `.tsv`, `.toml`, `.txt` below them).
    pub fn from_dir(dir: &Path) -> io::Result<DataFiles> {
        let mut files = Vec::new();
        for sub in ["gazetteer", "lexicon"] {
            collect(&dir.join(sub), dir, &mut files)?;
        }
        if files.is_empty() {
            return Err(io::Error::new(
                io::ErrorKind::NotFound,
                format!(
                    "{} has no gazetteer/ or lexicon/ files; point --data at a folder like the project's data/",
                    dir.display()
                ),
            ));
        }
        files.sort();
        Ok(DataFiles { files, origin: dir.display().to_string() })
    }

    /// Files whose relative path starts with `prefix`, in path order.
    pub fn under<'a>(&'a self, prefix: &'a str) -> impl Iterator<Item = (&'a str, &'a str)> + 'a {
        self.files.iter().filter(move |(p, _)| p.starts_with(prefix)).map(|(p, t)| (p.as_str(), t.as_str()))
    }

    /// One file by relative path.
    pub fn get(&self, path: &str) -> Option<&str> {
        self.files.iter().find(|(p, _)| p == path).map(|(_, t)| t.as_str())
    }

    /// How to name a file of this data set in a message (`data/gazetteer/countries.tsv`).
    pub fn display(&self, path: &str) -> String {
        format!("{}/{}", self.origin, path)
    }
}

fn collect(dir: &Path, root: &Path, out: &mut Vec<(String, String)>) -> io::Result<()> {
    let entries = match fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e),
    };
    for entry in entries {
        let path = entry?.path();
        if path.is_dir() {
            collect(&path, root, out)?;
        } else if matches!(path.extension().and_then(|e| e.to_str()), Some("tsv" | "toml" | "txt")) {
            let text =
                fs::read_to_string(&path).map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", path.display())))?;
            let rel = path.strip_prefix(root).unwrap_or(&path).to_string_lossy().replace('\\', "/");
            out.push((rel, text));
        }
    }
    Ok(())
}

/// A problem in a data file: which file, which line (1-based; 0 when it is about the
/// whole file), and what is wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DataError {
    pub file: String,
    pub line: usize,
    pub message: String,
}

impl fmt::Display for DataError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line > 0 {
            write!(f, "{}:{}: {}", self.file, self.line, self.message)
        } else {
            write!(f, "{}: {}", self.file, self.message)
        }
    }
}

impl std::error::Error for DataError {}

impl DataFiles {
    /// A data set made in memory (tests, and callers that build data on the fly).
    pub fn from_entries(files: Vec<(String, String)>) -> DataFiles {
        DataFiles { files, origin: "test".to_string() }
    }
}

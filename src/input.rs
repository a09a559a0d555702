//! Reading inputs: files, directories (recursive), JSON Lines corpora and standard input.
//! Streams one document at a time to the caller, so memory stays bounded whatever the
//! corpus size, and reports every unreadable input as a warning naming it.

use std::fs;
use std::io::{self, BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::article::{Format, GivenMeta};

/// One document read from an input, not yet parsed.
#[derive(Clone, Debug)]
pub struct Document {
    /// Path, `-`, or `path:LINE` for a JSON Lines record.
    pub source: String,
    pub text: String,
    pub format: Format,
    pub given: GivenMeta,
}

/// What reading found: documents delivered and inputs skipped.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    pub documents: usize,
    pub skipped: usize,
}

/// File endings read as articles when a directory is walked.
pub const ARTICLE_EXTENSIONS: &[&str] = &["txt", "text", "md", "markdown", "jsonl", "ndjson"];

#[derive(Deserialize)]
struct Record {
    text: String,
    #[serde(default)]
    id: Option<serde_json::Value>,
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    published: Option<String>,
    #[serde(default)]
    url: Option<String>,
}

/// Reads every input in order, calling `doc` for each document and `warn` for each
/// problem (already phrased for the user, naming the input).
pub fn read_inputs(inputs: &[String], doc: &mut dyn FnMut(Document), warn: &mut dyn FnMut(String)) -> Stats {
    let mut stats = Stats::default();
    for input in inputs {
        if input == "-" {
            let mut bytes = Vec::new();
            match io::stdin().lock().read_to_end(&mut bytes) {
                Ok(_) => deliver_bytes("-", &bytes, Format::Auto, &mut stats, doc, warn),
                Err(e) => {
                    warn(format!("-: cannot read standard input: {e}"));
                    stats.skipped += 1;
                }
            }
            continue;
        }
        let path = Path::new(input);
        if path.is_dir() {
            let mut files = Vec::new();
            if let Err(e) = walk(path, &mut files) {
                warn(format!("{input}: cannot list the directory: {e}"));
                stats.skipped += 1;
                continue;
            }
            if files.is_empty() {
                warn(format!(
                    "{input}: no articles found (looked for files ending in .{})",
                    ARTICLE_EXTENSIONS.join(", .")
                ));
                stats.skipped += 1;
            }
            for f in files {
                read_file(&f, &mut stats, doc, warn);
            }
        } else {
            read_file(path, &mut stats, doc, warn);
        }
    }
    stats
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> io::Result<()> {
    let mut entries: Vec<PathBuf> = fs::read_dir(dir)?.filter_map(|e| e.ok().map(|e| e.path())).collect();
    entries.sort();
    for p in entries {
        let hidden = p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with('.'));
        if hidden {
            continue;
        }
        if p.is_dir() {
            walk(&p, out)?;
        } else if p
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| ARTICLE_EXTENSIONS.contains(&e.to_lowercase().as_str()))
        {
            out.push(p);
        }
    }
    Ok(())
}

fn is_jsonl(path: &Path) -> bool {
    matches!(path.extension().and_then(|e| e.to_str()), Some("jsonl" | "ndjson"))
}

fn read_file(path: &Path, stats: &mut Stats, doc: &mut dyn FnMut(Document), warn: &mut dyn FnMut(String)) {
    let name = path.display().to_string();
    if is_jsonl(path) {
        let file = match fs::File::open(path) {
            Ok(f) => f,
            Err(e) => {
                warn(format!("{name}: cannot read: {e}"));
                stats.skipped += 1;
                return;
            }
        };
        let mut reader = BufReader::new(file);
        let mut line = Vec::new();
        let mut n = 0;
        loop {
            line.clear();
            match reader.read_until(b'\n', &mut line) {
                Ok(0) => break,
                Ok(_) => {}
                Err(e) => {
                    warn(format!("{name}:{}: cannot read: {e}", n + 1));
                    stats.skipped += 1;
                    break;
                }
            }
            n += 1;
            let text = String::from_utf8_lossy(&line);
            if text.trim().is_empty() {
                continue;
            }
            match serde_json::from_str::<Record>(text.trim()) {
                Ok(r) => {
                    let id = r.id.map(|v| match v {
                        serde_json::Value::String(s) => s,
                        other => other.to_string(),
                    });
                    stats.documents += 1;
                    doc(Document {
                        source: format!("{name}:{n}"),
                        text: r.text,
                        format: Format::Auto,
                        given: GivenMeta { id, title: r.title, published: r.published, url: r.url },
                    });
                }
                Err(e) => {
                    warn(format!("{name}:{n}: skipped: not a JSON object with a \"text\" string ({e})"));
                    stats.skipped += 1;
                }
            }
        }
        return;
    }
    match fs::read(path) {
        Ok(bytes) => {
            let format = match path.extension().and_then(|e| e.to_str()) {
                Some("md" | "markdown") => Format::Markdown,
                _ => Format::Auto,
            };
            deliver_bytes(&name, &bytes, format, stats, doc, warn);
        }
        Err(e) => {
            warn(format!("{name}: cannot read: {e}"));
            stats.skipped += 1;
        }
    }
}

/// Whether bytes look like binary data rather than text: NUL bytes or many control
/// characters in the first 8 KiB.
pub fn looks_binary(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(8192)];
    if head.contains(&0) {
        return true;
    }
    let control = head.iter().filter(|&&b| b < 0x20 && !matches!(b, b'\n' | b'\r' | b'\t' | 0x0c)).count();
    !head.is_empty() && control * 10 > head.len()
}

fn deliver_bytes(
    name: &str,
    bytes: &[u8],
    format: Format,
    stats: &mut Stats,
    doc: &mut dyn FnMut(Document),
    warn: &mut dyn FnMut(String),
) {
    if looks_binary(bytes) {
        warn(format!("{name}: skipped: looks like binary data, not text"));
        stats.skipped += 1;
        return;
    }
    let text = match std::str::from_utf8(bytes) {
        Ok(s) => s.to_string(),
        Err(e) => {
            warn(format!(
                "{name}: not valid UTF-8 at byte {}; invalid bytes were replaced with U+FFFD (re-save the file as UTF-8 to keep them)",
                e.valid_up_to()
            ));
            String::from_utf8_lossy(bytes).into_owned()
        }
    };
    if text.trim().is_empty() {
        warn(format!("{name}: skipped: the file is empty"));
        stats.skipped += 1;
        return;
    }
    stats.documents += 1;
    doc(Document { source: name.to_string(), text, format, given: GivenMeta::default() });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binary_detection() {
        assert!(looks_binary(b"abc\0def"));
        assert!(looks_binary(&[1u8, 2, 3, 4, 5, 6, 7, 8, 9, 10]));
        assert!(!looks_binary("Russia recognised the Taliban.\n".as_bytes()));
    }
}

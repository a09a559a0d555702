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

/// The default size limit of one article (a file, a JSON Lines record, standard input):
/// far above any news article, low enough that a stray dump or log cannot stall a build.
pub const DEFAULT_MAX_ARTICLE_BYTES: u64 = 10_000_000;

/// Limits on what one document may hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// A larger document is skipped with a warning, without being read into memory.
    pub max_article_bytes: u64,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits { max_article_bytes: DEFAULT_MAX_ARTICLE_BYTES }
    }
}

impl Limits {
    fn too_large(&self, name: &str, bytes: u64) -> String {
        format!(
            "{name}: skipped: {} is over the article size limit of {} (raise it with --max-article-size)",
            human_bytes(bytes),
            human_bytes(self.max_article_bytes)
        )
    }
}

/// `1234567` as `1.2 MB`, for messages.
pub fn human_bytes(n: u64) -> String {
    match n {
        0..1_000 => format!("{n} bytes"),
        1_000..1_000_000 => format!("{:.1} kB", n as f64 / 1e3),
        1_000_000..1_000_000_000 => format!("{:.1} MB", n as f64 / 1e6),
        _ => format!("{:.1} GB", n as f64 / 1e9),
    }
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
/// problem (already phrased for the user, naming the input). A document over the size
/// limit is skipped with a warning and never held in memory whole.
pub fn read_inputs(
    inputs: &[String],
    limits: Limits,
    doc: &mut dyn FnMut(Document),
    warn: &mut dyn FnMut(String),
) -> Stats {
    let mut stats = Stats::default();
    for input in inputs {
        if input == "-" {
            let mut bytes = Vec::new();
            let max = limits.max_article_bytes;
            match io::stdin().lock().take(max.saturating_add(1)).read_to_end(&mut bytes) {
                Ok(n) if n as u64 > max => {
                    // The rest is read and dropped, so a writer into our pipe is not stopped
                    // by a broken pipe; its length is counted for the message.
                    let rest = io::copy(&mut io::stdin().lock(), &mut io::sink()).unwrap_or(0);
                    warn(limits.too_large("-", n as u64 + rest));
                    stats.skipped += 1;
                }
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
                read_file(&f, limits, &mut stats, doc, warn);
            }
        } else {
            read_file(path, limits, &mut stats, doc, warn);
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

/// Reads one line into `line` (newline included), keeping at most `max + 1` bytes of it;
/// the rest of a longer line is consumed and counted but not kept. Returns the line's
/// full length (0 at the end of input).
fn read_line_bounded(reader: &mut impl BufRead, line: &mut Vec<u8>, max: u64) -> io::Result<u64> {
    let mut total = 0u64;
    loop {
        let available = match reader.fill_buf() {
            Ok(b) => b,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if available.is_empty() {
            return Ok(total);
        }
        let (chunk, done) = match available.iter().position(|&b| b == b'\n') {
            Some(i) => (&available[..=i], true),
            None => (available, false),
        };
        let room = (max + 1).saturating_sub(line.len() as u64) as usize;
        line.extend_from_slice(&chunk[..chunk.len().min(room)]);
        let n = chunk.len();
        total += n as u64;
        reader.consume(n);
        if done {
            return Ok(total);
        }
    }
}

fn read_file(
    path: &Path,
    limits: Limits,
    stats: &mut Stats,
    doc: &mut dyn FnMut(Document),
    warn: &mut dyn FnMut(String),
) {
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
            match read_line_bounded(&mut reader, &mut line, limits.max_article_bytes) {
                Ok(0) => break,
                Ok(len) if len > limits.max_article_bytes => {
                    n += 1;
                    warn(limits.too_large(&format!("{name}:{n}"), len));
                    stats.skipped += 1;
                    continue;
                }
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
    if let Ok(len) = fs::metadata(path).map(|m| m.len()) {
        if len > limits.max_article_bytes {
            warn(limits.too_large(&name, len));
            stats.skipped += 1;
            return;
        }
    }
    // Read through `take`, so a file that grows after the size check is still bounded.
    let read = fs::File::open(path).and_then(|f| {
        let mut bytes = Vec::new();
        f.take(limits.max_article_bytes.saturating_add(1)).read_to_end(&mut bytes).map(|_| bytes)
    });
    match read {
        Ok(bytes) if bytes.len() as u64 > limits.max_article_bytes => {
            warn(limits.too_large(&name, bytes.len() as u64));
            stats.skipped += 1;
        }
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
    fn bounded_lines_keep_at_most_the_limit_and_count_the_rest() {
        let text = b"short\nthis line is long\nlast";
        let mut r = io::BufReader::with_capacity(4, &text[..]);
        let mut line = Vec::new();
        assert_eq!(read_line_bounded(&mut r, &mut line, 8).unwrap(), 6);
        assert_eq!(line, b"short\n");
        line.clear();
        assert_eq!(read_line_bounded(&mut r, &mut line, 8).unwrap(), 18);
        assert_eq!(line.len(), 9, "kept the limit plus one byte, enough to tell it is over");
        line.clear();
        assert_eq!(read_line_bounded(&mut r, &mut line, 8).unwrap(), 4);
        assert_eq!(line, b"last");
        line.clear();
        assert_eq!(read_line_bounded(&mut r, &mut line, 8).unwrap(), 0);
    }

    #[test]
    fn too_large_inputs_are_skipped_with_a_warning() {
        let dir = std::env::temp_dir().join(format!("newskg-input-limit-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let big = dir.join("big.txt");
        fs::write(&big, "Russia recognised the Taliban. ".repeat(10)).unwrap();
        let corpus = dir.join("c.jsonl");
        fs::write(&corpus, format!("{{\"text\": \"{}\"}}\n{{\"text\": \"ok\"}}\n", "x".repeat(200))).unwrap();
        let (mut docs, mut warns) = (Vec::new(), Vec::new());
        let inputs = [big.display().to_string(), corpus.display().to_string()];
        let stats = read_inputs(&inputs, Limits { max_article_bytes: 100 }, &mut |d| docs.push(d.source), &mut |w| {
            warns.push(w)
        });
        assert_eq!(stats, Stats { documents: 1, skipped: 2 });
        assert_eq!(docs, vec![format!("{}:2", corpus.display())]);
        assert!(warns[0].contains("310 bytes is over the article size limit of 100 bytes"), "{warns:?}");
        assert!(warns[1].contains("c.jsonl:1: skipped"), "{warns:?}");
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn binary_detection() {
        assert!(looks_binary(b"abc\0def"));
        assert!(looks_binary(&[1u8, 2, 3, 4, 5, 6, 7, 8, 9, 10]));
        assert!(!looks_binary("Russia recognised the Taliban.\n".as_bytes()));
    }
}

//! Reading one article's text: the header of the sample's layout (title, `Published on`
//! date, keywords line), Markdown titles, or plain text that is all body. Pure: the
//! caller brings the text (see `input` for files, directories, JSON Lines and stdin).

use std::ops::Range;

use sha2::{Digest, Sha256};

use crate::model::{ArticleMeta, Diagnostic};

/// An article ready for extraction: its original text, where the body lies in it, and
/// what is known about it. Byte offsets everywhere index `text`.
#[derive(Clone, Debug)]
pub struct Article {
    pub meta: ArticleMeta,
    pub text: String,
    pub body: Range<usize>,
}

/// How to read an article's text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// The sample's layout when its header is there, otherwise plain text.
    Auto,
    /// A Markdown document: a leading `# Title` becomes the title; the rest is body.
    Markdown,
    /// No header at all: everything is body.
    Plain,
}

/// Metadata that came from outside the text (a JSON Lines record) and wins over the header.
#[derive(Clone, Debug, Default)]
pub struct GivenMeta {
    pub id: Option<String>,
    pub title: Option<String>,
    pub published: Option<String>,
    pub url: Option<String>,
}

/// The content hash used as article id: hex of the first 16 bytes of SHA-256.
pub fn content_id(text: &str) -> String {
    let digest = Sha256::digest(text.as_bytes());
    digest[..16].iter().map(|b| format!("{b:02x}")).collect()
}

/// Parses `text` into an [`Article`]. Never fails: what cannot be understood is reported
/// in the returned diagnostics and the text is kept whole as body.
pub fn parse(text: String, source: &str, format: Format, given: &GivenMeta) -> (Article, Vec<Diagnostic>) {
    let mut diags = Vec::new();
    let mut meta = ArticleMeta {
        id: content_id(&text),
        external_id: given.id.clone(),
        source: source.to_string(),
        url: given.url.clone(),
        ..ArticleMeta::default()
    };
    let mut body = 0..text.len();
    match format {
        Format::Plain => {}
        Format::Markdown => {
            if let Some((title, after)) = markdown_title(&text) {
                meta.title = Some(title);
                body = after..text.len();
            }
        }
        Format::Auto => {
            if let Some(header) = sample_header(&text) {
                meta.title = Some(header.title.clone());
                match parse_date(header.date_text) {
                    Some(date) => meta.published = Some(date),
                    None => diags.push(Diagnostic::warning(
                        format!(
                            "could not read the date {:?}; expected e.g. 'Published on July 04, 2025'",
                            header.date_text
                        ),
                        Some(header.date_offset),
                    )),
                }
                if let Some(k) = header.keywords {
                    meta.keywords = clean_keywords(k, &header.title);
                }
                body = header.body_start..text.len();
            } else if let Some((title, after)) = markdown_title(&text) {
                meta.title = Some(title);
                body = after..text.len();
            }
        }
    }
    if let Some(t) = &given.title {
        meta.title = Some(t.clone());
    }
    if let Some(p) = &given.published {
        match parse_date(p) {
            Some(d) => meta.published = Some(d),
            None => {
                diags.push(Diagnostic::warning(format!("could not read the date {p:?}; expected YYYY-MM-DD"), None))
            }
        }
    }
    (Article { meta, text, body }, diags)
}

struct Header<'a> {
    title: String,
    date_text: &'a str,
    date_offset: usize,
    keywords: Option<&'a str>,
    body_start: usize,
}

/// Lines of `text` with their byte offsets (without the line terminator).
fn lines_with_offsets(text: &str) -> impl Iterator<Item = (usize, &str)> {
    let mut pos = 0;
    text.split_inclusive('\n').map(move |raw| {
        let start = pos;
        pos += raw.len();
        (start, raw.trim_end_matches(['\n', '\r']))
    })
}

/// Recognises the sample layout: title, blank line(s), `Published on …`, keywords line.
fn sample_header(text: &str) -> Option<Header<'_>> {
    let mut lines = lines_with_offsets(text).filter(|(_, l)| !l.trim().is_empty());
    let (_, title) = lines.next()?;
    let (date_off, date_line) = lines.next()?;
    let date_text = date_line.trim().strip_prefix("Published on")?.trim();
    let title = title.trim().to_string();
    let mut body_start = date_off + date_line.len();
    let mut keywords = None;
    // The keywords line repeats the title; without it the next line is already body.
    let rest = &text[body_start..];
    let mut after = lines_with_offsets(rest).skip(1).filter(|(_, l)| !l.trim().is_empty());
    if let Some((off, line)) = after.next() {
        let line_trim = line.trim();
        if line_trim.starts_with(title.as_str()) {
            keywords = Some(line_trim[title.len()..].trim_start_matches([',', ' ']));
            body_start += off + line.len();
        }
    }
    // Skip the line break(s) so the body starts at its first character.
    while body_start < text.len() && text.as_bytes()[body_start].is_ascii_whitespace() {
        body_start += 1;
    }
    Some(Header { title, date_text, date_offset: date_off, keywords, body_start })
}

fn markdown_title(text: &str) -> Option<(String, usize)> {
    let (off, line) = lines_with_offsets(text).find(|(_, l)| !l.trim().is_empty())?;
    let title = line.trim().strip_prefix("# ")?.trim().to_string();
    Some((title, off + line.len()))
}

const MONTHS: [&str; 12] = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];

/// Reads `July 04, 2025`, `4 July 2025`, `Jul 4 2025` or `2025-07-04` into `2025-07-04`.
pub fn parse_date(s: &str) -> Option<String> {
    let s = s.trim();
    if let Some(iso) = parse_iso(s) {
        return Some(iso);
    }
    let words: Vec<&str> = s.split([' ', ',']).filter(|w| !w.is_empty()).collect();
    let month_of = |w: &str| {
        let w = w.trim_end_matches('.').to_lowercase();
        if w.len() < 3 {
            return None;
        }
        MONTHS.iter().position(|m| m.starts_with(&w)).map(|i| i as u32 + 1)
    };
    let (m, d, y) = match words.as_slice() {
        [a, b, c] if month_of(a).is_some() => (month_of(a)?, b.parse().ok()?, c.parse().ok()?),
        [a, b, c] if month_of(b).is_some() => (month_of(b)?, a.parse().ok()?, c.parse().ok()?),
        _ => return None,
    };
    valid_date(y, m, d)
}

fn parse_iso(s: &str) -> Option<String> {
    let date = s.get(..10)?;
    let mut parts = date.split('-');
    let y = parts.next()?.parse().ok()?;
    let m = parts.next()?.parse().ok()?;
    let d = parts.next()?.parse().ok()?;
    if date.len() != 10 {
        return None;
    }
    valid_date(y, m, d)
}

fn valid_date(y: i32, m: u32, d: u32) -> Option<String> {
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days = [31, if leap { 29 } else { 28 }, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    if !(1..=12).contains(&m) || d == 0 || d > days[m as usize - 1] || !(1000..=9999).contains(&y) {
        return None;
    }
    Some(format!("{y:04}-{m:02}-{d:02}"))
}

/// Words that are never keywords on their own.
const STOP_WORDS: &[&str] = &[
    "a", "an", "the", "and", "or", "but", "of", "to", "in", "on", "at", "by", "for", "from", "with", "over", "under",
    "out", "up", "down", "back", "as", "its", "it", "his", "her", "their", "our", "this", "that", "these", "those",
    "is", "are", "was", "were", "be", "new", "old", "big", "strong", "major", "key", "more", "most", "ten", "two",
    "three", "year", "years", "table",
];

/// Deduplicates keywords case-insensitively (first spelling wins) and drops the repeated
/// title, stop-words, and single lowercase words that only repeat a word of the title or
/// of a longer keyword (the junk tail of the sample's keyword lines).
pub fn clean_keywords(line: &str, title: &str) -> Vec<String> {
    let title_lc = title.to_lowercase();
    let title_words: Vec<String> = words_lc(&title_lc);
    let raw: Vec<&str> = line.split(',').map(str::trim).filter(|k| !k.is_empty()).collect();
    let multi_words: Vec<String> =
        raw.iter().filter(|k| k.contains(' ')).flat_map(|k| words_lc(&k.to_lowercase())).collect();
    let mut out: Vec<String> = Vec::new();
    for k in raw {
        let lc = k.to_lowercase();
        if lc == title_lc || STOP_WORDS.contains(&lc.as_str()) || out.iter().any(|o| o.to_lowercase() == lc) {
            continue;
        }
        let single_lower = !k.contains(' ') && k.chars().next().is_some_and(char::is_lowercase);
        if single_lower && (title_words.contains(&lc) || multi_words.contains(&lc)) {
            continue;
        }
        out.push(k.to_string());
    }
    out
}

fn words_lc(s: &str) -> Vec<String> {
    s.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(str::to_string).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "Big News Title\n\nPublished on July 04, 2025\nBig News Title,Russia, Central Asia, human rights,strong,its,russia,rights,news\n\nFirst paragraph.\n";

    #[test]
    fn sample_header_is_read() {
        let (a, diags) = parse(SAMPLE.to_string(), "x.txt", Format::Auto, &GivenMeta::default());
        assert!(diags.is_empty(), "{diags:?}");
        assert_eq!(a.meta.title.as_deref(), Some("Big News Title"));
        assert_eq!(a.meta.published.as_deref(), Some("2025-07-04"));
        assert_eq!(a.meta.keywords, ["Russia", "Central Asia", "human rights"]);
        assert_eq!(&a.text[a.body.clone()], "First paragraph.\n");
    }

    #[test]
    fn plain_text_is_all_body() {
        let (a, _) = parse("Russia recognised the Taliban.".into(), "-", Format::Auto, &GivenMeta::default());
        assert_eq!(a.body, 0..30);
        assert!(a.meta.title.is_none());
    }

    #[test]
    fn markdown_title() {
        let (a, _) =
            parse("# Talks resume\n\nTurkey hosted talks.".into(), "a.md", Format::Markdown, &GivenMeta::default());
        assert_eq!(a.meta.title.as_deref(), Some("Talks resume"));
        assert_eq!(a.text[a.body.clone()].trim(), "Turkey hosted talks.");
    }

    #[test]
    fn bad_date_is_a_warning_not_a_failure() {
        let text = "T\n\nPublished on someday\nT,x\n\nBody.";
        let (a, diags) = parse(text.into(), "x", Format::Auto, &GivenMeta::default());
        assert_eq!(diags.len(), 1);
        assert_eq!(diags[0].offset, Some(3));
        assert!(a.meta.published.is_none());
    }

    #[test]
    fn dates() {
        assert_eq!(parse_date("4 July 2025").as_deref(), Some("2025-07-04"));
        assert_eq!(parse_date("Feb 29, 2024").as_deref(), Some("2024-02-29"));
        assert_eq!(parse_date("Feb 29, 2025"), None);
        assert_eq!(parse_date("2026-01-15T10:00:00Z").as_deref(), Some("2026-01-15"));
    }

    #[test]
    fn content_id_is_stable() {
        assert_eq!(content_id("abc"), content_id("abc"));
        assert_ne!(content_id("abc"), content_id("abd"));
        assert_eq!(content_id("abc").len(), 32);
    }
}

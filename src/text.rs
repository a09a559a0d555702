//! Text stage: splits an article body into blocks (paragraphs, headings, bullets),
//! sentences and tokens, every one with byte offsets into the original text.
//!
//! The splitter knows the hard cases of news text: abbreviations (U.S., Gen., Jan.),
//! initials, decimals and thousands (8.5, 1,000), quotes around sentence ends, headings
//! that carry no final period (never glued to the next sentence) and bullet lines.
//! It runs in time linear in the text, whatever its shape.

use std::ops::Range;

/// What a token is, as far as later stages care.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenKind {
    Word,
    Number,
    Punct,
    /// The possessive ending `'s` (or a lone `'` after a plural).
    Possessive,
    /// The contracted negation `n't`.
    Negation,
}

/// One token: its byte span in the original text and its lowercase form (curly
/// apostrophes folded to `'`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Token {
    pub start: usize,
    pub end: usize,
    pub kind: TokenKind,
    pub lower: String,
    /// Whether the token starts with an uppercase letter.
    pub cap: bool,
}

/// The kind of block a sentence sits in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BlockKind {
    Paragraph,
    Heading,
    Bullet,
}

/// One sentence: byte span, token range (indices into [`Analysis::tokens`]), the block
/// it belongs to and, for bullets like `Economic Interests: …`, the token index of the
/// colon that ends the lead-in label.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sentence {
    pub start: usize,
    pub end: usize,
    pub tokens: Range<usize>,
    pub block: usize,
    pub kind: BlockKind,
    pub label_colon: Option<usize>,
}

/// The text stage's output for one article.
#[derive(Clone, Debug, Default)]
pub struct Analysis {
    pub tokens: Vec<Token>,
    pub sentences: Vec<Sentence>,
}

/// Words after which a period does not end a sentence.
const ABBREVIATIONS: &[&str] = &[
    "mr", "mrs", "ms", "dr", "prof", "gen", "lt", "col", "maj", "capt", "cpt", "sgt", "adm", "cmdr", "gov", "sen",
    "rep", "pres", "st", "mt", "ft", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov",
    "dec", "no", "nos", "vs", "v", "approx", "inc", "ltd", "co", "corp", "jr", "sr", "dept", "est", "fig", "rev",
    "hon", "amb",
];

/// Words that, after a dotted abbreviation such as `U.S.`, show a new sentence began.
const SENTENCE_STARTERS: &[&str] = &[
    "the",
    "a",
    "an",
    "it",
    "he",
    "she",
    "they",
    "we",
    "i",
    "but",
    "and",
    "in",
    "on",
    "this",
    "that",
    "these",
    "those",
    "its",
    "his",
    "her",
    "their",
    "there",
    "however",
    "meanwhile",
    "yet",
    "still",
    "so",
];

/// Splits `text[body]` into blocks, sentences and tokens.
pub fn analyse(text: &str, body: Range<usize>) -> Analysis {
    let mut out = Analysis::default();
    for (block_index, (range, kind)) in blocks(text, body).into_iter().enumerate() {
        let first = out.tokens.len();
        tokenize(text, range.clone(), &mut out.tokens);
        let last = out.tokens.len();
        if first == last {
            continue;
        }
        split_sentences(&out.tokens, first..last, block_index, kind, &mut out.sentences);
    }
    out
}

/// Cuts the body into blocks: blank lines separate paragraphs; a bullet line and a
/// heading line are blocks of their own.
fn blocks(text: &str, body: Range<usize>) -> Vec<(Range<usize>, BlockKind)> {
    let mut out: Vec<(Range<usize>, BlockKind)> = Vec::new();
    let mut current: Option<Range<usize>> = None;
    let mut pos = body.start;
    let body_text = &text[body.clone()];
    let mut lines: Vec<Range<usize>> = Vec::new();
    for raw in body_text.split_inclusive('\n') {
        let line = raw.trim_end_matches(['\n', '\r']);
        lines.push(pos..pos + line.len());
        pos += raw.len();
    }
    let n = lines.len();
    crate::work::add(n);
    for i in 0..n {
        let r = lines[i].clone();
        let line = &text[r.clone()];
        if line.trim().is_empty() {
            if let Some(c) = current.take() {
                out.push((c, BlockKind::Paragraph));
            }
            continue;
        }
        let lead = line.len() - line.trim_start().len();
        let trimmed = line.trim();
        if let Some(after) = bullet_body(trimmed) {
            if let Some(c) = current.take() {
                out.push((c, BlockKind::Paragraph));
            }
            let start = r.start + lead + (trimmed.len() - after.len());
            out.push((start..r.end, BlockKind::Bullet));
            continue;
        }
        if let Some(after) = trimmed.strip_prefix('#') {
            if let Some(c) = current.take() {
                out.push((c, BlockKind::Paragraph));
            }
            let after = after.trim_start_matches('#').trim_start();
            // Offsets from the trimmed line's start: trailing blanks are not part of it.
            let start = r.start + lead + (trimmed.len() - after.len());
            out.push((start..r.start + lead + trimmed.len(), BlockKind::Heading));
            continue;
        }
        let alone = current.is_none() && (i + 1 == n || text[lines[i + 1].clone()].trim().is_empty());
        if alone && looks_like_heading(trimmed) {
            out.push((r.start + lead..r.end, BlockKind::Heading));
            continue;
        }
        current = Some(match current {
            Some(c) => c.start..r.end,
            None => r.start + lead..r.end,
        });
    }
    if let Some(c) = current.take() {
        out.push((c, BlockKind::Paragraph));
    }
    out
}

/// The text after a bullet marker (`•`, `-`, `*`, `–`, `·`, `1.`, `1)`), if `line` is a bullet.
fn bullet_body(line: &str) -> Option<&str> {
    for marker in ["•", "- ", "* ", "– ", "·", "▪", "◦"] {
        if let Some(rest) = line.strip_prefix(marker) {
            return Some(rest.trim_start());
        }
    }
    let digits = line.bytes().take_while(u8::is_ascii_digit).count();
    if (1..=3).contains(&digits) {
        let rest = &line[digits..];
        if let Some(r) = rest.strip_prefix(". ").or_else(|| rest.strip_prefix(") ")) {
            return Some(r.trim_start());
        }
    }
    None
}

/// A one-line block is a heading when it is short and does not end like a sentence.
fn looks_like_heading(line: &str) -> bool {
    let words = line.split_whitespace().count();
    let last = line.chars().last().unwrap_or('.');
    words <= 14 && !matches!(last, '.' | '!' | '?' | ':' | ';' | ',' | '"' | '”' | '’' | '\'' | ')')
}

fn is_apostrophe(c: char) -> bool {
    c == '\'' || c == '’'
}

/// Appends the tokens of `text[range]` to `out`.
fn tokenize(text: &str, range: Range<usize>, out: &mut Vec<Token>) {
    let s = &text[range.clone()];
    let chars: Vec<(usize, char)> = s.char_indices().collect();
    let n = chars.len();
    crate::work::add(n);
    let at = |i: usize| chars.get(i).map(|&(_, c)| c);
    let off = |i: usize| if i < n { chars[i].0 } else { s.len() } + range.start;
    let mut i = 0;
    while i < n {
        let c = chars[i].1;
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        let start = i;
        if c.is_alphanumeric() {
            let numeric_start = c.is_ascii_digit();
            let mut j = i + 1;
            while j < n {
                let cj = chars[j].1;
                if cj.is_alphanumeric() || is_mark(cj) {
                    j += 1;
                } else if (cj == '.' || cj == ',') && numeric_start && at(j + 1).is_some_and(|d| d.is_ascii_digit()) {
                    j += 1; // 8.5, 1,000
                } else if cj == '.'
                    && !numeric_start
                    && at(j + 1).is_some_and(char::is_alphabetic)
                    && at(j + 2).is_some_and(|d| d == '.')
                {
                    j += 2; // U.S., a.m.
                } else if is_apostrophe(cj) && at(j + 1).is_some_and(char::is_alphabetic) {
                    // Possessive 's and n't are tokens of their own; d'Ivoire, O'Brien stay whole.
                    let next = at(j + 1).unwrap();
                    let after_next = at(j + 2);
                    let word_ends = |c: Option<char>| !c.is_some_and(|c| c.is_alphanumeric());
                    if (next == 's' || next == 'S') && word_ends(after_next) {
                        break;
                    }
                    if (next == 't' || next == 'T') && word_ends(after_next) && matches!(chars[j - 1].1, 'n' | 'N') {
                        j -= 1;
                        break;
                    }
                    j += 1;
                } else {
                    break;
                }
            }
            // A dotted abbreviation keeps its inner dots; its last dot is punctuation.
            let word = &s[chars[start].0..if j < n { chars[j].0 } else { s.len() }];
            let kind = if numeric_start && word.chars().all(|c| c.is_ascii_digit() || c == '.' || c == ',') {
                TokenKind::Number
            } else {
                TokenKind::Word
            };
            push(out, text, off(start), off(j), kind);
            i = j;
            // n't and 's
            if i < n && matches!(chars[i].1, 'n' | 'N') && at(i + 1).is_some_and(is_apostrophe) {
                push(out, text, off(i), off(i + 3), TokenKind::Negation);
                i += 3;
            } else if i < n && is_apostrophe(chars[i].1) && at(i + 1).is_some_and(|c| c == 's' || c == 'S') {
                push(out, text, off(i), off(i + 2), TokenKind::Possessive);
                i += 2;
            } else if i < n
                && is_apostrophe(chars[i].1)
                && word.ends_with(['s', 'S'])
                && !at(i + 1).is_some_and(char::is_alphanumeric)
                && !opens_quote_before(&chars, start)
            {
                push(out, text, off(i), off(i + 1), TokenKind::Possessive);
                i += 1;
            }
            continue;
        }
        push(out, text, off(i), off(i + 1), TokenKind::Punct);
        i += 1;
    }
}

/// Whether a single quote opened before the word at `start` (so a following `'` closes it
/// rather than marking a plural possessive).
fn opens_quote_before(chars: &[(usize, char)], start: usize) -> bool {
    chars[..start].iter().rev().take(200).any(|&(_, c)| c == '‘')
}

fn is_mark(c: char) -> bool {
    // Combining marks (U+0300–U+036F and friends) keep words like "Türkiye" whole when decomposed.
    matches!(c as u32, 0x0300..=0x036F | 0x0610..=0x061A | 0x064B..=0x065F | 0x0E31 | 0x0E34..=0x0E3A)
}

fn push(out: &mut Vec<Token>, text: &str, start: usize, end: usize, kind: TokenKind) {
    let raw = &text[start..end];
    let lower = raw.replace('’', "'").to_lowercase();
    let cap = raw.chars().next().is_some_and(char::is_uppercase);
    out.push(Token { start, end, kind, lower, cap });
}

fn split_sentences(tokens: &[Token], range: Range<usize>, block: usize, kind: BlockKind, out: &mut Vec<Sentence>) {
    let mut start = range.start;
    let mut i = range.start;
    let end = range.end;
    crate::work::add(end - start);
    while i < end {
        let t = &tokens[i];
        let is_end = kind != BlockKind::Heading
            && t.kind == TokenKind::Punct
            && matches!(t.lower.as_str(), "." | "!" | "?" | "…");
        if is_end {
            // Take closing quotes and brackets along.
            let mut j = i + 1;
            // Closing quotes and brackets touch the period; a quote after a space opens the next sentence.
            while j < end
                && tokens[j].kind == TokenKind::Punct
                && matches!(tokens[j].lower.as_str(), "\"" | "”" | "'" | ")" | "]" | "’")
                && tokens[j].start == tokens[j - 1].end
            {
                j += 1;
            }
            if j == end || (starts_sentence(&tokens[j]) && !abbreviation_before(tokens, i, range.start, j, end)) {
                push_sentence(tokens, start..j, block, kind, out);
                start = j;
                i = j;
                continue;
            }
        }
        i += 1;
    }
    if start < end {
        push_sentence(tokens, start..end, block, kind, out);
    }
}

fn starts_sentence(t: &Token) -> bool {
    t.cap || t.kind == TokenKind::Number || matches!(t.lower.as_str(), "\"" | "“" | "‘" | "(" | "[" | "'")
}

/// Whether the period at `dot` ends an abbreviation, an initial or a dotted acronym rather
/// than the sentence.
fn abbreviation_before(tokens: &[Token], dot: usize, first: usize, next: usize, end: usize) -> bool {
    if tokens[dot].lower != "." || dot == first {
        return false;
    }
    let prev = &tokens[dot - 1];
    if prev.end != tokens[dot].start || prev.kind != TokenKind::Word {
        return false;
    }
    let w = prev.lower.as_str();
    if ABBREVIATIONS.contains(&w) {
        return true;
    }
    let single_initial = w.chars().count() == 1 && prev.cap;
    let dotted = w.contains('.');
    if single_initial || dotted {
        // A new sentence after an acronym shows itself by a typical first word.
        let next_word = if next < end { tokens[next].lower.as_str() } else { "" };
        return !SENTENCE_STARTERS.contains(&next_word);
    }
    false
}

/// Sentences longer than this many tokens are cut (at a comma when there is one), so that
/// text without sentence punctuation is still processed in linear time.
pub const MAX_SENTENCE_TOKENS: usize = 250;

fn push_sentence(tokens: &[Token], r: Range<usize>, block: usize, kind: BlockKind, out: &mut Vec<Sentence>) {
    let mut r = r;
    while r.len() > MAX_SENTENCE_TOKENS {
        let limit = r.start + MAX_SENTENCE_TOKENS;
        let cut =
            (r.start + MAX_SENTENCE_TOKENS / 2..limit).rev().find(|&i| tokens[i].lower == ",").map_or(limit, |i| i + 1);
        push_one(tokens, r.start..cut, block, kind, out);
        r = cut..r.end;
    }
    push_one(tokens, r, block, kind, out);
}

fn push_one(tokens: &[Token], r: Range<usize>, block: usize, kind: BlockKind, out: &mut Vec<Sentence>) {
    let start = tokens[r.start].start;
    let end = tokens[r.end - 1].end;
    // A bullet's lead-in label: a colon within the first eight tokens of the block's first sentence.
    let label_colon = if kind == BlockKind::Bullet && out.last().is_none_or(|s| s.block != block) {
        tokens[r.clone()].iter().take(8).position(|t| t.lower == ":").map(|p| r.start + p)
    } else {
        None
    };
    out.push(Sentence { start, end, tokens: r, block, kind, label_colon });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sentences(text: &str) -> Vec<String> {
        let a = analyse(text, 0..text.len());
        a.sentences.iter().map(|s| text[s.start..s.end].to_string()).collect()
    }

    #[test]
    fn abbreviations_initials_and_decimals_do_not_split() {
        let s = sentences(
            "The U.S. and the U.K. met Gen. Smith on Jan. 5 with J. R. Doe. Growth was 8.5 percent. It ended.",
        );
        assert_eq!(
            s,
            ["The U.S. and the U.K. met Gen. Smith on Jan. 5 with J. R. Doe.", "Growth was 8.5 percent.", "It ended."]
        );
    }

    #[test]
    fn acronym_at_sentence_end_splits_before_a_starter() {
        let s = sentences("Talks were held in the U.S. The deal followed.");
        assert_eq!(s, ["Talks were held in the U.S.", "The deal followed."]);
    }

    #[test]
    fn quotes_close_sentences() {
        let s = sentences("He said \"we will respond.\" Then he left. “Enough,” she said. \"Next,\" he added.");
        assert_eq!(s, ["He said \"we will respond.\"", "Then he left.", "“Enough,” she said.", "\"Next,\" he added."]);
    }

    #[test]
    fn headings_and_bullets_are_their_own_sentences() {
        let text = "A Bold Gamble\n\nRussia acted. It won.\n\n  • Economic Interests: Access is key for Russia.\n  • Security: none\nNext Heading Here\n\nBody again.";
        let a = analyse(text, 0..text.len());
        let got: Vec<(&str, BlockKind)> = a.sentences.iter().map(|s| (&text[s.start..s.end], s.kind)).collect();
        assert_eq!(
            got,
            [
                ("A Bold Gamble", BlockKind::Heading),
                ("Russia acted.", BlockKind::Paragraph),
                ("It won.", BlockKind::Paragraph),
                ("Economic Interests: Access is key for Russia.", BlockKind::Bullet),
                ("Security: none", BlockKind::Bullet),
                ("Next Heading Here", BlockKind::Heading),
                ("Body again.", BlockKind::Paragraph),
            ]
        );
        let lead = &a.sentences[3];
        assert_eq!(a.tokens[lead.label_colon.unwrap()].lower, ":");
    }

    #[test]
    fn heading_is_never_glued_to_the_next_sentence() {
        let text = "Intro text here.\n\nWhat the Package Leaves Out\n\nBrussels stopped short.";
        let s = sentences(text);
        assert_eq!(s, ["Intro text here.", "What the Package Leaves Out", "Brussels stopped short."]);
    }

    #[test]
    fn possessives_negations_and_unicode() {
        let text = "Russia hasn’t endorsed the Taliban's rule; Côte d'Ivoire’s envoy – in Kyiv — met Москва's aide.";
        let a = analyse(text, 0..text.len());
        let toks: Vec<&str> = a.tokens.iter().map(|t| &text[t.start..t.end]).collect();
        assert_eq!(&toks[..8], ["Russia", "has", "n’t", "endorsed", "the", "Taliban", "'s", "rule"]);
        assert!(toks.contains(&"d'Ivoire"));
        assert!(toks.contains(&"Москва"));
        assert_eq!(a.tokens[2].kind, TokenKind::Negation);
        assert_eq!(a.tokens[6].kind, TokenKind::Possessive);
        for t in &a.tokens {
            assert!(text.is_char_boundary(t.start) && text.is_char_boundary(t.end));
        }
    }

    #[test]
    fn numbers_keep_their_separators() {
        let text = "About 1,000 prisoners and $8.5 billion.";
        let a = analyse(text, 0..text.len());
        let nums: Vec<&str> =
            a.tokens.iter().filter(|t| t.kind == TokenKind::Number).map(|t| &text[t.start..t.end]).collect();
        assert_eq!(nums, ["1,000", "8.5"]);
    }

    #[test]
    fn markdown_heading_with_trailing_blanks_keeps_char_boundaries() {
        let text = "# • recognised  \nBody text here.";
        let a = analyse(text, 0..text.len());
        assert_eq!(&text[a.sentences[0].start..a.sentences[0].end], "• recognised");
    }

    #[test]
    fn hyphens_split_words() {
        let text = "a US-drafted statement";
        let a = analyse(text, 0..text.len());
        let toks: Vec<&str> = a.tokens.iter().map(|t| &text[t.start..t.end]).collect();
        assert_eq!(toks, ["a", "US", "-", "drafted", "statement"]);
    }

    #[test]
    fn long_text_without_punctuation_is_one_sentence_per_block() {
        let text = "word ".repeat(10_000);
        let a = analyse(&text, 0..text.len());
        assert_eq!(a.tokens.len(), 10_000);
        assert_eq!(a.sentences.len(), 10_000 / MAX_SENTENCE_TOKENS);
        assert!(a.sentences.iter().all(|s| s.tokens.len() <= MAX_SENTENCE_TOKENS));
    }
}

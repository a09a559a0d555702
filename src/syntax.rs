//! Shallow clause structure shared by the entity and relation stages: which preposition
//! governs a name, how mentions coordinate ("Japan, South Korea and the United States"),
//! where clauses start (relative pronouns, complementizers, reporting verbs,
//! subordinators, coordinated clauses) and which stretches are appositions or asides
//! to pass over. No parser: closed-class words and punctuation only, linear per sentence.

use std::ops::Range;

use crate::lexicon::Lexicon;
use crate::text::{Token, TokenKind};

/// A mention as the syntax sees it: its token span and whether it is an argument
/// (top-level) or nested inside a larger mention.
pub trait Spans {
    /// Token span of mention `m`.
    fn span(&self, m: usize) -> Range<usize>;
    /// The top-level mention starting at token `t`, if any.
    fn mention_starting_at(&self, t: usize) -> Option<usize>;
    /// The top-level mention covering token `t`, if any.
    fn mention_covering(&self, t: usize) -> Option<usize>;
}

/// How a clause is introduced.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClauseKind {
    /// A main clause (or one coordinated with it).
    Main,
    /// After `which`/`who`: its missing subject or object is the antecedent.
    Relative,
    /// After `that`/`whether` or a reporting verb: a reported or embedded clause.
    Complement,
    /// After a subordinator (`while`, `if`…), or a sentence-initial adjunct up to its comma.
    Subordinate,
}

/// A clause: its token segments (a relative clause may interrupt it), how it was
/// introduced, the token that introduced it, and for relatives the antecedent mention.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Clause {
    pub segments: Vec<Range<usize>>,
    pub kind: ClauseKind,
    pub intro: Option<usize>,
    pub antecedent: Option<usize>,
}

impl Clause {
    /// Whether token `t` lies in the clause.
    pub fn contains(&self, t: usize) -> bool {
        self.segments.iter().any(|s| s.contains(&t))
    }

    /// First token of the clause.
    pub fn start(&self) -> usize {
        self.segments.first().map_or(0, |s| s.start)
    }
}

/// The clause structure of one sentence.
#[derive(Clone, Debug, Default)]
pub struct SentenceSyntax {
    pub clauses: Vec<Clause>,
    /// Appositions, asides and parentheses: not part of any clause's core.
    pub skips: Vec<Range<usize>>,
}

impl SentenceSyntax {
    /// Index of the clause holding token `t`, if it is not in a skipped stretch.
    pub fn clause_of(&self, t: usize) -> Option<usize> {
        self.clauses.iter().position(|c| c.contains(t))
    }

    /// Whether token `t` is in an apposition, aside or parenthesis.
    pub fn skipped(&self, t: usize) -> bool {
        self.skips.iter().any(|s| s.contains(&t))
    }
}

/// A segment list holding one range.
fn one(r: Range<usize>) -> Vec<Range<usize>> {
    let mut v = Vec::with_capacity(2);
    v.push(r);
    v
}

fn is(tokens: &[Token], i: usize, words: &[String]) -> bool {
    tokens.get(i).is_some_and(|t| words.contains(&t.lower))
}

/// The preposition governing the mention spanning `span`, looking back over
/// determiners, numbers and possessive pronouns ("against the Pakistani state" → against).
pub fn governing_prep<'a>(
    lex: &Lexicon,
    tokens: &'a [Token],
    span: Range<usize>,
    sentence_start: usize,
) -> Option<&'a str> {
    let sets = lex.sets();
    let mut i = span.start;
    let mut steps = 0;
    while i > sentence_start && steps < 4 {
        i -= 1;
        steps += 1;
        let t = &tokens[i];
        if sets.prepositions.contains(&t.lower) {
            return Some(t.lower.as_str());
        }
        if sets.determiners.contains(&t.lower) || t.kind == TokenKind::Number || t.lower.ends_with("ly") {
            continue;
        }
        return None;
    }
    None
}

/// Groups coordinated mentions: `A, B and C`, `A and the B`, `Russian and Ukrainian`.
/// Returns for each top-level mention the list of mentions of its group (itself alone
/// when not coordinated). `order` is the sentence's top-level mentions, left to right.
pub fn coordinate(
    tokens: &[Token],
    spans: &dyn Spans,
    syntax: &SentenceSyntax,
    order: &[usize],
) -> Vec<(usize, Vec<usize>)> {
    let mut out = Vec::new();
    let mut k = 0;
    while k < order.len() {
        let mut group = vec![order[k]];
        let mut closed = false;
        let mut j = k;
        while j + 1 < order.len() {
            let a = spans.span(order[j]);
            let b = spans.span(order[j + 1]);
            if a.end > b.start || syntax.clause_of(a.start) != syntax.clause_of(b.start) {
                break;
            }
            // Between them only: ",", "and"/"or", ", and", optionally followed by "the".
            let between: Vec<&str> = tokens[a.end..b.start].iter().map(|t| t.lower.as_str()).collect();
            let between: Vec<&str> = between.into_iter().filter(|w| *w != "the").collect();
            match between.as_slice() {
                [","] => {
                    group.push(order[j + 1]);
                    j += 1;
                }
                ["and"] | ["or"] | [",", "and"] | [",", "or"] => {
                    group.push(order[j + 1]);
                    j += 1;
                    closed = true;
                    break;
                }
                _ => break,
            }
        }
        if closed && group.len() >= 2 {
            for &m in &group {
                out.push((m, group.clone()));
            }
            k = j + 1;
        } else {
            out.push((order[k], vec![order[k]]));
            k += 1;
        }
    }
    out
}

/// Computes the clauses and skipped stretches of the sentence `range`.
pub fn analyse_sentence(lex: &Lexicon, tokens: &[Token], spans: &dyn Spans, range: Range<usize>) -> SentenceSyntax {
    crate::work::add(range.len());
    let g = &lex.grammar;
    let mut skips: Vec<Range<usize>> = Vec::new();
    let n_end = range.end;

    // Parentheses.
    let mut i = range.start;
    while i < n_end {
        if tokens[i].lower == "(" {
            if let Some(close) = (i + 1..n_end).find(|&j| tokens[j].lower == ")") {
                skips.push(i..close + 1);
                i = close + 1;
                continue;
            }
        }
        i += 1;
    }
    let in_skip = |skips: &[Range<usize>], t: usize| skips.iter().any(|s| s.contains(&t));

    // Comma-delimited stretches after a mention: appositions (", a port city in X,"),
    // possessive appositions (", North Korea's main ally,"), asides (", meanwhile,").
    let commas: Vec<usize> = (range.start..n_end).filter(|&j| tokens[j].lower == "," && !in_skip(&skips, j)).collect();
    for w in 0..commas.len() {
        let c = commas[w];
        let next_comma = commas.get(w + 1).copied();
        let seg_end = next_comma.unwrap_or(n_end);
        if c + 1 >= seg_end {
            continue;
        }
        let first = &tokens[c + 1];
        let len = seg_end - (c + 1);
        let has_mention = (c + 1..seg_end).any(|t| spans.mention_covering(t).is_some());
        let after_mention = c > range.start && spans.mention_covering(c - 1).is_some();
        let clause_word = (c + 1..seg_end).any(|t| {
            is(tokens, t, &g.relative_pronouns)
                || is(tokens, t, &g.complementizers)
                || is(tokens, t, &g.reporting_verbs)
        });
        let aside = len <= 4 && !has_mention && next_comma.is_some();
        let listed_aside = g.parentheticals.iter().any(|p| {
            let words: Vec<&str> = p.split_whitespace().collect();
            words.len() == len && words.iter().enumerate().all(|(k, w)| tokens[c + 1 + k].lower == *w)
        });
        let appositive_start =
            matches!(first.lower.as_str(), "a" | "an" | "the" | "itself" | "themselves" | "himself" | "herself")
                || spans.mention_starting_at(c + 1).is_some_and(|m| {
                    let s = spans.span(m);
                    tokens.get(s.end).is_some_and(|t| t.kind == TokenKind::Possessive)
                });
        if (aside || listed_aside) && next_comma.is_some() {
            skips.push(c..seg_end + 1);
        } else if after_mention && appositive_start && !clause_word && len <= 16 {
            // An apposition ending in a list runs to the list's end: "the Quad, the grouping
            // of India, the United States, Japan and Australia".
            let mut end = seg_end;
            while end < n_end && end > c + 1 && spans.mention_covering(end - 1).is_some() && tokens[end].lower == "," {
                let mut k = end + 1;
                if k < n_end && tokens[k].lower == "the" {
                    k += 1;
                }
                let Some(m) = spans.mention_starting_at(k) else {
                    break;
                };
                let after = spans.span(m).end;
                end = after;
                if after < n_end && matches!(tokens[after].lower.as_str(), "and" | "or") {
                    let mut k = after + 1;
                    if k < n_end && tokens[k].lower == "the" {
                        k += 1;
                    }
                    if let Some(m) = spans.mention_starting_at(k) {
                        end = spans.span(m).end;
                    }
                    break;
                }
            }
            if end < n_end && tokens[end].lower == "," {
                skips.push(c..end + 1);
            } else if end >= n_end - 1 || next_comma.is_none() {
                // Sentence-final apposition.
                let stop = if tokens[n_end - 1].kind == TokenKind::Punct { n_end - 1 } else { n_end };
                skips.push(c..stop.max(end));
            } else if next_comma.is_some() {
                skips.push(c..seg_end + 1);
            }
        }
    }
    // A sentence-initial adjunct ("In a move that …,", "According to Kyiv,", "Hours later,")
    // is a subordinate clause of its own up to its first comma.
    let mut clauses: Vec<Clause> = Vec::new();
    let mut start = range.start;
    if let Some(&first_comma) = commas.iter().find(|&&c| !in_skip(&skips, c)) {
        let t0 = &tokens[range.start];
        let opener = g.subordinators.contains(&t0.lower)
            || lex.sets().prepositions.contains(&t0.lower)
            || t0.lower == "according"
            || t0.kind == TokenKind::Number
            || (first_comma - range.start <= 3
                && !(range.start..first_comma).any(|t| spans.mention_covering(t).is_some()));
        if opener && first_comma > range.start && first_comma + 1 < n_end {
            clauses.push(Clause {
                segments: one(range.start..first_comma),
                kind: ClauseKind::Subordinate,
                intro: Some(range.start),
                antecedent: None,
            });
            start = first_comma + 1;
        }
    }

    // Walk the rest, opening a clause at each clause word.
    let mut stack: Vec<usize> = Vec::new(); // clause index to resume after a relative clause ends
    let mut current = Clause { segments: one(start..start), kind: ClauseKind::Main, intro: None, antecedent: None };
    let mut t = start;
    let close_segment = |c: &mut Clause, end: usize| {
        if let Some(last) = c.segments.last_mut() {
            last.end = end;
        }
    };
    while t < n_end {
        if in_skip(&skips, t) {
            // Skipped stretches end the current segment and resume after.
            let s = skips.iter().find(|s| s.contains(&t)).unwrap().clone();
            close_segment(&mut current, t);
            current.segments.push(s.end.min(n_end)..s.end.min(n_end));
            t = s.end;
            continue;
        }
        if let Some(m) = spans.mention_starting_at(t) {
            t = spans.span(m).end.max(t + 1);
            continue;
        }
        let tok = &tokens[t];
        let w = tok.lower.as_str();
        let mut open: Option<(ClauseKind, Option<usize>)> = None;
        if w == ";" || (w == ":" && t + 1 < n_end) {
            open = Some((ClauseKind::Main, None));
        } else if is(tokens, t, &g.relative_pronouns) {
            let back = if t > range.start && tokens[t - 1].lower == "," { t - 1 } else { t };
            let ante = if back > range.start { spans.mention_covering(back - 1) } else { None };
            open = Some((ClauseKind::Relative, ante));
        } else if is(tokens, t, &g.complementizers) {
            let ante = if t > range.start { spans.mention_covering(t - 1) } else { None };
            open = Some((if ante.is_some() { ClauseKind::Relative } else { ClauseKind::Complement }, ante));
        } else if is(tokens, t, &g.reporting_verbs) {
            open = Some((ClauseKind::Complement, None));
        } else if is(tokens, t, &g.subordinators)
            || (is(tokens, t, &g.temporal_conjunctions) && clause_follows(lex, tokens, spans, t + 1, n_end))
        {
            open = Some((ClauseKind::Subordinate, None));
        } else if is(tokens, t, &g.coordinators)
            && starts_subject(lex, tokens, spans, t + 1, n_end)
            && !np_coordination(tokens, spans, t, range.start)
        {
            open = Some((ClauseKind::Main, None));
        } else if w == "," && current.kind == ClauseKind::Relative && tokens.get(t.wrapping_sub(1)).is_some() {
            // A relative clause set off by commas ends at its closing comma; the clause it
            // interrupted resumes.
            if let Some(resume) = stack.pop() {
                close_segment(&mut current, t);
                clauses.push(current);
                let mut outer: Clause = clauses.remove(resume);
                outer.segments.push(t + 1..t + 1);
                // Keep clause order stable: re-insert the outer clause at its index.
                clauses.insert(resume, Clause { segments: vec![], kind: outer.kind, intro: None, antecedent: None });
                current = outer;
                // Mark the placeholder for removal.
                t += 1;
                continue;
            }
        }
        if let Some((kind, antecedent)) = open {
            close_segment(&mut current, t);
            let relative_with_comma = kind == ClauseKind::Relative && t > range.start && tokens[t - 1].lower == ",";
            let finished = std::mem::replace(
                &mut current,
                Clause { segments: one(t + 1..t + 1), kind, intro: Some(t), antecedent },
            );
            clauses.push(finished);
            if relative_with_comma {
                stack.push(clauses.len() - 1);
            } else {
                stack.clear();
            }
        }
        t += 1;
    }
    close_segment(&mut current, n_end);
    clauses.push(current);
    for c in &mut clauses {
        c.segments.retain(|s| !s.is_empty());
    }
    clauses.retain(|c| !c.segments.is_empty());
    SentenceSyntax { clauses, skips }
}

/// Whether the conjunction at `t` joins two names ("Russia and China") rather than clauses.
fn np_coordination(tokens: &[Token], spans: &dyn Spans, t: usize, start: usize) -> bool {
    if t <= start || tokens[t].lower == "but" || tokens[t].lower == "yet" {
        return false;
    }
    if spans.mention_covering(t - 1).is_some() {
        return true;
    }
    // "A, B, and C": a serial comma after the second of three names.
    if tokens[t - 1].lower == "," && t >= start + 2 {
        if let Some(b) = spans.mention_covering(t - 2) {
            let b_start = spans.span(b).start;
            return b_start >= start + 2
                && tokens[b_start - 1].lower == ","
                && spans.mention_covering(b_start - 2).is_some();
        }
    }
    false
}

/// Whether a clause starts at `t`: a name followed by a word that is not a preposition
/// ("after the group fired", not "after the coup").
fn clause_follows(lex: &Lexicon, tokens: &[Token], spans: &dyn Spans, t: usize, end: usize) -> bool {
    let Some(m) = spans.mention_starting_at(t) else { return false };
    let after = spans.span(m).end;
    after < end && {
        let w = &tokens[after];
        w.kind == TokenKind::Word
            && !w.cap
            && !lex.sets().prepositions.contains(&w.lower)
            && !matches!(w.lower.as_str(), "and" | "or")
    }
}

/// Whether a clause subject begins at `t`: a mention, optionally after "the".
fn starts_subject(lex: &Lexicon, tokens: &[Token], spans: &dyn Spans, t: usize, end: usize) -> bool {
    let mut t = t;
    if t < end && lex.sets().noun_markers.contains(&tokens[t].lower) && spans.mention_starting_at(t).is_none() {
        t += 1;
    }
    t < end && spans.mention_starting_at(t).is_some()
}

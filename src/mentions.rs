//! Entity stage: finds the actors and places an article names and everything that
//! refers back to them.
//!
//! In order: gazetteer names (with context guards and capitals read as their governments
//! unless used as places), definite descriptions, pronouns and event anaphors, people
//! introduced by a title ("Turkish President Recep Tayyip Erdogan") or by a known given
//! name ("Rustem Umerov"), later surname mentions ("Medinsky said"), and finally
//! coreference: each pronoun or description goes to the most recent compatible actor,
//! preferring clause subjects; event anaphors ("the launch", "the move") go to the agents
//! of the article's lead sentence.

// Keys are words and ids of our own data, not attacker-chosen: the fast hasher is safe.
use rustc_hash::FxHashMap as HashMap;
use std::collections::BTreeMap;
use std::ops::Range;

use crate::gazetteer::{Gazetteer, Guard, SurfaceKind};
use crate::lexicon::Lexicon;
use crate::model::{Codes, EntityType};
use crate::syntax::{self, SentenceSyntax, Spans};
use crate::text::{Analysis, BlockKind, Token, TokenKind};
use crate::work;

/// How a mention refers to its entity.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MentionKind {
    /// A gazetteer name or alias.
    Name,
    /// A nationality adjective ("Russian").
    Demonym,
    /// A capital or seat standing for its government ("Moscow said").
    Capital,
    /// A person's full name (with its title and affiliation in the argument span).
    Person,
    /// A person's surname after the full name.
    Surname,
    /// A definite description ("the bloc").
    Description,
    /// A pronoun ("it", "their").
    Pronoun,
    /// "his country": the country of the person referred to.
    PersonCountry,
    /// A definite event noun ("the launch") standing for the lead event's agents.
    Event,
}

/// A place in the text that refers to one or more entities.
#[derive(Clone, Debug)]
pub struct Mention {
    /// Token span used as a relation argument (a person's title and affiliation included).
    pub tokens: Range<usize>,
    /// Token span reported as the mention's text.
    pub name: Range<usize>,
    pub sentence: usize,
    pub kind: MentionKind,
    /// Local entity indices (an event anaphor may stand for several).
    pub targets: Vec<usize>,
    /// Followed by `'s` or a possessive pronoun.
    pub possessive: bool,
    /// Inside a larger mention (a person's affiliation): not an argument of its own.
    pub nested: bool,
    /// Description class, for descriptions.
    pub class: Option<String>,
    /// For a person introduced by a title: the grammar role the title belongs to.
    pub role: Option<usize>,
}

/// An entity of this article.
#[derive(Clone, Debug)]
pub struct LocalEntity {
    pub id: String,
    pub label: String,
    pub kind: EntityType,
    pub codes: Codes,
    pub classes: Vec<String>,
    /// The gazetteer parent (a person's state, a city's country).
    pub parent: Option<String>,
}

/// A person's title: the person mention, the predicate the title states, and the
/// mention of the body it names (resolved later for national offices).
#[derive(Clone, Debug)]
pub struct Role {
    pub person: usize,
    pub predicate: String,
    pub affiliation: Option<usize>,
    pub national: bool,
    pub targets: Vec<usize>,
}

/// The entity stage's output.
#[derive(Debug, Default)]
pub struct Entities {
    pub entities: Vec<LocalEntity>,
    pub mentions: Vec<Mention>,
    pub roles: Vec<Role>,
    pub syntax: Vec<SentenceSyntax>,
    /// Coordination group of each top-level mention.
    pub groups: HashMap<usize, Vec<usize>>,
    /// Agents of the lead sentence.
    pub lede: Vec<usize>,
    /// Mentions per entity.
    pub salience: Vec<usize>,
    /// Top-level mention covering each token.
    top_at: Vec<Option<usize>>,
    /// Subject mention of each clause, per sentence.
    pub subjects: Vec<Vec<Option<usize>>>,
}

impl Spans for Entities {
    fn span(&self, m: usize) -> Range<usize> {
        self.mentions[m].tokens.clone()
    }
    fn mention_starting_at(&self, t: usize) -> Option<usize> {
        self.top_at.get(t).copied().flatten().filter(|&m| self.mentions[m].tokens.start == t)
    }
    fn mention_covering(&self, t: usize) -> Option<usize> {
        self.top_at.get(t).copied().flatten()
    }
}

struct Builder<'a> {
    text: &'a str,
    a: &'a Analysis,
    gaz: &'a Gazetteer,
    lex: &'a Lexicon,
    out: Entities,
    by_id: HashMap<String, usize>,
    covered: Vec<bool>,
    sentence_of: Vec<usize>,
    /// Mentions by the token they end before, in the order they were added.
    ending_at: HashMap<usize, Vec<usize>>,
}

/// What resolving article-scope descriptions ("the junta") keeps between mentions, so
/// that each is found in logarithmic time rather than by a scan of the article.
#[derive(Default)]
struct Described {
    /// Per class: (mention start, mention, target position) → entity, for the mentions
    /// of entities of that class.
    indexes: HashMap<String, BTreeMap<(usize, usize, usize), usize>>,
    /// The most mentioned country, once asked for.
    salient_country: Option<Option<usize>>,
}

/// Runs the entity stage on an analysed article.
pub fn find(text: &str, a: &Analysis, gaz: &Gazetteer, lex: &Lexicon) -> Entities {
    let mut sentence_of = vec![0; a.tokens.len()];
    for (i, s) in a.sentences.iter().enumerate() {
        for t in s.tokens.clone() {
            sentence_of[t] = i;
        }
    }
    let mut b = Builder {
        text,
        a,
        gaz,
        lex,
        out: Entities::default(),
        by_id: HashMap::default(),
        covered: vec![false; a.tokens.len()],
        sentence_of,
        ending_at: HashMap::default(),
    };
    b.gazetteer_names();
    b.references();
    b.titled_people();
    b.named_people();
    b.surnames();
    b.index();
    b.resolve();
    b.finish();
    b.out
}

fn kebab(s: &str) -> String {
    let folded: String = s
        .chars()
        .map(|c| match c {
            'á' | 'à' | 'â' | 'ä' | 'ã' | 'å' | 'ā' => 'a',
            'é' | 'è' | 'ê' | 'ë' | 'ě' | 'ē' => 'e',
            'í' | 'ì' | 'î' | 'ï' | 'ı' | 'ī' => 'i',
            'ó' | 'ò' | 'ô' | 'ö' | 'õ' | 'ø' | 'ō' => 'o',
            'ú' | 'ù' | 'û' | 'ü' | 'ū' => 'u',
            'ç' | 'č' | 'ć' => 'c',
            'ğ' => 'g',
            'ş' | 'š' | 'ș' | 'ś' => 's',
            'ž' | 'ź' | 'ż' => 'z',
            'ñ' | 'ń' => 'n',
            'ł' => 'l',
            'ř' => 'r',
            'ț' => 't',
            'ý' | 'ÿ' => 'y',
            other => other,
        })
        .flat_map(char::to_lowercase)
        .collect();
    let mut out = String::new();
    for c in folded.chars() {
        if c.is_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_string()
}

impl Builder<'_> {
    fn tok(&self, i: usize) -> &Token {
        &self.a.tokens[i]
    }

    fn raw(&self, r: Range<usize>) -> &str {
        &self.text[self.a.tokens[r.start].start..self.a.tokens[r.end - 1].end]
    }

    fn entity_from_gazetteer(&mut self, idx: usize) -> usize {
        let e = &self.gaz.entries()[idx];
        if let Some(&i) = self.by_id.get(&e.id) {
            return i;
        }
        let local = LocalEntity {
            id: e.id.clone(),
            label: e.label.clone(),
            kind: e.kind,
            codes: Codes { iso3166: e.iso3.clone(), wikidata: e.wikidata.clone() },
            classes: e.classes.clone(),
            parent: e.parent.clone(),
        };
        self.push_entity(local)
    }

    fn push_entity(&mut self, e: LocalEntity) -> usize {
        if let Some(&i) = self.by_id.get(&e.id) {
            return i;
        }
        self.by_id.insert(e.id.clone(), self.out.entities.len());
        self.out.entities.push(e);
        self.out.entities.len() - 1
    }

    fn add(&mut self, tokens: Range<usize>, kind: MentionKind, targets: Vec<usize>) -> usize {
        let possessive = self.a.tokens.get(tokens.end).is_some_and(|t| t.kind == TokenKind::Possessive);
        for t in tokens.clone() {
            self.covered[t] = true;
        }
        work::add(tokens.len());
        self.ending_at.entry(tokens.end).or_default().push(self.out.mentions.len());
        self.out.mentions.push(Mention {
            name: tokens.clone(),
            sentence: self.sentence_of[tokens.start],
            tokens,
            kind,
            targets,
            possessive,
            nested: false,
            class: None,
            role: None,
        });
        self.out.mentions.len() - 1
    }

    fn gazetteer_names(&mut self) {
        // Tokens are sorted by offset: a hit maps to tokens by binary search.
        let tokens = &self.a.tokens;
        let start_of = |b: usize| tokens.binary_search_by_key(&b, |t| t.start).ok();
        let end_of = |b: usize| tokens.binary_search_by_key(&b, |t| t.end).ok();
        for s in 0..self.a.sentences.len() {
            let sent = &self.a.sentences[s];
            for hit in self.gaz.find(self.text, sent.start..sent.end) {
                let (Some(ts), Some(te)) = (start_of(hit.start), end_of(hit.end)) else {
                    continue;
                };
                let range = ts..te + 1;
                if !self.passes_guards(&self.text[hit.start..hit.end], range.clone(), s) {
                    continue;
                }
                let entry = &self.gaz.entries()[hit.entry];
                let prev = if ts > sent.tokens.start { Some(self.tok(ts - 1).lower.as_str()) } else { None };
                let as_place = prev.is_some_and(|p| self.lex.sets().locatives.contains(p))
                    || (prev == Some("the")
                        && ts >= sent.tokens.start + 2
                        && self.lex.sets().locatives.contains(&self.tok(ts - 2).lower));
                let (kind, target) = match (hit.kind, &entry.stands_for) {
                    (SurfaceKind::Demonym, _) => (MentionKind::Demonym, hit.entry),
                    (SurfaceKind::Alias, Some(actor)) if !as_place => {
                        (MentionKind::Capital, self.gaz.index_of(actor).unwrap_or(hit.entry))
                    }
                    _ => (MentionKind::Name, hit.entry),
                };
                let local = self.entity_from_gazetteer(target);
                self.add(range, kind, vec![local]);
            }
        }
    }

    fn passes_guards(&self, surface: &str, r: Range<usize>, s: usize) -> bool {
        let sent = &self.a.sentences[s];
        let stop = &self.lex.grammar.name_stopwords;
        let next = self.a.tokens.get(r.end).filter(|_| r.end < sent.tokens.end);
        let prev = (r.start > sent.tokens.start).then(|| self.tok(r.start - 1));
        for g in self.gaz.guards(surface) {
            let blocked = match g {
                Guard::NotBeforeName => next.is_some_and(|t| {
                    t.cap && t.kind == TokenKind::Word && !stop.iter().any(|w| w == self.raw(r.end..r.end + 1))
                }),
                Guard::NotAfterName => prev.is_some_and(|t| {
                    t.cap && t.kind == TokenKind::Word && !stop.iter().any(|w| w == self.raw(r.start - 1..r.start))
                }),
                Guard::NotWith(words) => sent.tokens.clone().any(|t| words.iter().any(|w| w == self.raw(t..t + 1))),
                Guard::NotBefore(words) => next.is_some_and(|t| words.contains(&t.lower)),
            };
            if blocked {
                return false;
            }
        }
        true
    }

    /// Descriptions, "his country", pronouns and event anaphors, on tokens no name covers.
    fn references(&mut self) {
        let g = &self.lex.grammar;
        let pronouns: Vec<&String> =
            g.pronouns_thing.iter().chain(&g.pronouns_plural).chain(&g.pronouns_person).collect();
        for s in 0..self.a.sentences.len() {
            let r = self.a.sentences[s].tokens.clone();
            let mut i = r.start;
            'tokens: while i < r.end {
                if self.covered[i] {
                    i += 1;
                    continue;
                }
                for (words, class) in self.lex.phrases.references_at(&self.tok(i).lower) {
                    let end = i + words.len();
                    if end > r.end || (i..end).any(|t| self.covered[t]) {
                        continue;
                    }
                    let ok = words.iter().enumerate().all(|(k, (w, cap))| {
                        let t = self.tok(i + k);
                        t.lower == *w && (k == 0 || !cap || t.cap)
                    });
                    if ok {
                        let kind = if class.is_some() { MentionKind::Description } else { MentionKind::PersonCountry };
                        let m = self.add(i..end, kind, vec![]);
                        self.out.mentions[m].class = class.clone();
                        i = end;
                        continue 'tokens;
                    }
                }
                let t = self.tok(i);
                if pronouns.iter().any(|p| **p == t.lower) {
                    self.add(i..i + 1, MentionKind::Pronoun, vec![]);
                    i += 1;
                    continue;
                }
                if let Some(end) = self.event_anaphor(i, r.end) {
                    self.add(i..end, MentionKind::Event, vec![]);
                    i = end;
                    continue;
                }
                i += 1;
            }
        }
    }

    /// "the launch", "this move", "the latest sanctions" — not followed by a preposition
    /// that would give the noun its own arguments ("the sanctions on Iran").
    fn event_anaphor(&self, i: usize, end: usize) -> Option<usize> {
        if !matches!(self.tok(i).lower.as_str(), "the" | "this" | "that") {
            return None;
        }
        let sets = self.lex.sets();
        for k in 1..=3 {
            let j = i + k;
            if j >= end || self.covered[j] || self.tok(j).cap || self.tok(j).kind != TokenKind::Word {
                return None;
            }
            if sets.event_nouns.contains(&self.tok(j).lower) {
                let next = self.a.tokens.get(j + 1).filter(|_| j + 1 < end).map(|t| t.lower.as_str());
                if next.is_some_and(|n| sets.prepositions.contains(n)) {
                    return None;
                }
                return Some(j + 1);
            }
        }
        None
    }

    fn is_name_word(&self, t: usize) -> bool {
        let tok = self.tok(t);
        tok.cap
            && tok.kind == TokenKind::Word
            && !self.lex.grammar.name_stopwords.iter().any(|w| w == self.raw(t..t + 1))
    }

    /// The extent of a person's name starting at `k`: capitalised words, with particles
    /// (bin, al, van) between them; gazetteer names of one word may be part of a longer name.
    fn name_extent(&self, k: usize, end: usize) -> Option<Range<usize>> {
        let sets = self.lex.sets();
        let mut j = k;
        while j < end && j - k < 5 {
            let particle = j > k && sets.name_particles.contains(self.raw(j..j + 1));
            let hyphen_join = j > k && self.tok(j).lower == "-" && self.tok(j).start == self.tok(j - 1).end;
            if self.is_name_word(j) || ((particle || hyphen_join) && j + 1 < end && self.is_name_word(j + 1)) {
                j += 1;
            } else if particle && j + 2 < end && self.tok(j + 1).lower == "-" && self.is_name_word(j + 2) {
                j += 2; // al-Burhan
            } else {
                break;
            }
        }
        (j > k).then_some(k..j)
    }

    /// Mentions (other than people) lying inside `r`.
    fn mentions_in(&self, r: &Range<usize>) -> Vec<usize> {
        // Looked up by where mentions end (a name is a few tokens), not by a scan of all.
        let mut found: Vec<usize> = (r.start..=r.end)
            .filter_map(|end| self.ending_at.get(&end))
            .flatten()
            .copied()
            .filter(|&m| {
                work::add(1);
                let s = &self.out.mentions[m].tokens;
                s.start >= r.start && s.end <= r.end && self.out.mentions[m].kind != MentionKind::Person
            })
            .collect();
        found.sort_unstable();
        found.dedup();
        found
    }

    fn person_entity(&mut self, name: Range<usize>) -> usize {
        let raw = self.raw(name.clone()).to_string();
        // A person the gazetteer knows keeps its canonical id.
        let hits = self.gaz.find(&raw, 0..raw.len());
        if let [h] = hits.as_slice() {
            if h.start == 0 && h.end == raw.len() && self.gaz.entries()[h.entry].kind == EntityType::Person {
                return self.entity_from_gazetteer(h.entry);
            }
        }
        let local = LocalEntity {
            id: kebab(&raw),
            label: raw,
            kind: EntityType::Person,
            codes: Codes::default(),
            classes: vec![],
            parent: None,
        };
        self.push_entity(local)
    }

    /// People introduced by a title: "[Affiliation] Title [Honorific] Name" and
    /// "the [affiliation's] title, Name".
    fn titled_people(&mut self) {
        let honorifics = &self.lex.sets().honorifics;
        for s in 0..self.a.sentences.len() {
            let sent = self.a.sentences[s].clone();
            if sent.kind == BlockKind::Heading {
                continue;
            }
            let r = sent.tokens.clone();
            let mut i = r.start;
            while i < r.end {
                let lex = self.lex;
                let found = lex.phrases.titles_at(&self.tok(i).lower).find(|(words, _)| {
                    i + words.len() <= r.end && words.iter().enumerate().all(|(k, (w, _))| self.tok(i + k).lower == *w)
                });
                let Some((words, role)) = found.cloned() else {
                    i += 1;
                    continue;
                };
                let title_end = i + words.len();
                // Further titles and honorifics ("Foreign Minister Prince Faisal").
                let mut k = title_end;
                while k < r.end && honorifics.contains(self.raw(k..k + 1)) {
                    k += 1;
                }
                let comma_form = k < r.end && self.tok(k).lower == "," && i > r.start;
                if comma_form {
                    k += 1;
                }
                let Some(name) = self.name_extent(k, r.end) else {
                    i = title_end;
                    continue;
                };
                // The name must not be just a one-word gazetteer place or body ("President Russia").
                let inner = self.mentions_in(&name);
                let whole_is_gazetteer_nonperson = inner.iter().any(|&m| {
                    self.out.mentions[m].tokens == name
                        && self.out.entities[self.out.mentions[m].targets[0]].kind != EntityType::Person
                });
                if whole_is_gazetteer_nonperson {
                    i = title_end;
                    continue;
                }
                if comma_form
                    && !(self.tok(i - 1).kind == TokenKind::Possessive
                        || self.lex.sets().noun_markers.contains(&self.tok(i - 1).lower)
                        || self.prev_is_modifier_of_the(i, r.start))
                {
                    i = title_end;
                    continue;
                }
                // Affiliation: a mention just before the title, over a few lowercase modifiers.
                let mut j = i;
                let mut steps = 0;
                while j > r.start && steps < 3 && !self.covered[j - 1] {
                    let t = self.tok(j - 1);
                    if t.kind == TokenKind::Possessive {
                        break;
                    }
                    let sets = self.lex.sets();
                    let closed = sets.noun_markers.contains(&t.lower)
                        || sets.prepositions.contains(&t.lower)
                        || self.lex.grammar.coordinators.contains(&t.lower)
                        || self.lex.grammar.reporting_verbs.contains(&t.lower);
                    if t.kind == TokenKind::Word && !t.cap && !closed || t.lower == "-" {
                        j -= 1;
                        steps += 1;
                    } else {
                        break;
                    }
                }
                let mut look = j;
                if look > r.start && self.tok(look - 1).kind == TokenKind::Possessive {
                    look -= 1;
                }
                let affiliation = if look > r.start && self.covered[look - 1] {
                    // The first mention ending there (by index, as mentions were added).
                    self.ending_at.get(&look).and_then(|list| {
                        list.iter().copied().find(|&i| {
                            let m = &self.out.mentions[i];
                            m.tokens.end == look
                                && !m.nested
                                && m.kind != MentionKind::Pronoun
                                && m.kind != MentionKind::Event
                        })
                    })
                } else {
                    None
                };
                // Names inside the person's name are not mentions of their own ("Israel Katz").
                for m in inner {
                    for t in self.out.mentions[m].tokens.clone() {
                        self.covered[t] = false;
                    }
                    self.out.mentions[m].targets.clear();
                    self.out.mentions[m].nested = true;
                    self.out.mentions[m].kind = MentionKind::Pronoun; // dropped below
                    self.out.mentions[m].tokens = 0..0;
                    self.ending_at.entry(0).or_default().push(m);
                }
                let arg_start = affiliation.map_or(if comma_form { self.start_of_np(i, r.start) } else { i }, |m| {
                    self.out.mentions[m].tokens.start
                });
                let person = self.person_entity(name.clone());
                let m = self.add(arg_start..name.end, MentionKind::Person, vec![person]);
                self.out.mentions[m].name = name.clone();
                self.out.mentions[m].role = Some(role);
                if let Some(a) = affiliation {
                    self.out.mentions[a].nested = true;
                }
                i = name.end;
            }
        }
        self.out.mentions.retain(|m| !m.tokens.is_empty());
    }

    fn prev_is_modifier_of_the(&self, i: usize, start: usize) -> bool {
        // "the ousted president, Mohamed Bazoum": lowercase modifiers back to "the".
        let mut j = i;
        let mut steps = 0;
        while j > start && steps < 3 {
            j -= 1;
            steps += 1;
            let t = self.tok(j);
            if t.lower == "the" {
                return true;
            }
            if t.cap || t.kind != TokenKind::Word {
                return false;
            }
        }
        false
    }

    fn start_of_np(&self, i: usize, start: usize) -> usize {
        let mut j = i;
        while j > start && j + 4 > i {
            let t = self.tok(j - 1);
            if t.lower == "the" {
                return j - 1;
            }
            if t.cap || t.kind != TokenKind::Word {
                break;
            }
            j -= 1;
        }
        i
    }

    /// People named without a title: a known given name followed by more capitalised words.
    fn named_people(&mut self) {
        for s in 0..self.a.sentences.len() {
            let sent = self.a.sentences[s].clone();
            if sent.kind == BlockKind::Heading {
                continue;
            }
            let r = sent.tokens.clone();
            let mut i = r.start;
            while i < r.end {
                if self.covered[i] || !self.is_name_word(i) || !self.gaz.is_given_name(self.raw(i..i + 1)) {
                    i += 1;
                    continue;
                }
                let Some(name) = self.name_extent(i, r.end) else {
                    i += 1;
                    continue;
                };
                let free = name.clone().all(|t| !self.covered[t]);
                if name.len() < 2 || !free {
                    i += 1;
                    continue;
                }
                let person = self.person_entity(name.clone());
                self.add(name.clone(), MentionKind::Person, vec![person]);
                i = name.end;
            }
        }
    }

    /// Later mentions of a person by surname alone.
    fn surnames(&mut self) {
        let mut surname_of: HashMap<String, (usize, usize)> = HashMap::default();
        let mut ambiguous: Vec<String> = Vec::new();
        for m in &self.out.mentions {
            if m.kind != MentionKind::Person || m.name.len() < 2 {
                continue;
            }
            let last = self.raw(m.name.end - 1..m.name.end).to_string();
            let target = m.targets[0];
            match surname_of.get(&last) {
                Some(&(t, _)) if t != target => ambiguous.push(last.clone()),
                Some(_) => {}
                None => {
                    surname_of.insert(last, (target, m.name.end));
                }
            }
        }
        for a in ambiguous {
            surname_of.remove(&a);
        }
        for t in 0..self.a.tokens.len() {
            if self.covered[t] || !self.is_name_word(t) {
                continue;
            }
            if let Some(&(target, after)) = surname_of.get(self.raw(t..t + 1)) {
                if t >= after {
                    self.add(t..t + 1, MentionKind::Surname, vec![target]);
                }
            }
        }
    }

    fn index(&mut self) {
        self.out.mentions.sort_by_key(|m| (m.tokens.start, std::cmp::Reverse(m.tokens.end)));
        self.collect_roles();
        self.out.top_at = vec![None; self.a.tokens.len()];
        for (i, m) in self.out.mentions.iter().enumerate() {
            if m.nested {
                continue;
            }
            for t in m.tokens.clone() {
                if self.out.top_at[t].is_none() {
                    self.out.top_at[t] = Some(i);
                }
            }
        }
        let lex = self.lex;
        let tokens = &self.a.tokens;
        let mut syntax = Vec::new();
        let mut groups = HashMap::default();
        let mut subjects = Vec::new();
        let mut per_sentence: Vec<Vec<usize>> = vec![Vec::new(); self.a.sentences.len()];
        for (i, m) in self.out.mentions.iter().enumerate() {
            if !m.nested {
                per_sentence[m.sentence].push(i);
            }
        }
        for (si, s) in self.a.sentences.iter().enumerate() {
            let st = syntax::analyse_sentence(lex, tokens, &self.out, s.tokens.clone());
            let order = &per_sentence[si];
            for (m, g) in syntax::coordinate(tokens, &self.out, &st, order) {
                groups.insert(m, g);
            }
            let subj: Vec<Option<usize>> = st
                .clauses
                .iter()
                .map(|c| {
                    let mut verbal = false;
                    c.segments
                        .iter()
                        .flat_map(|seg| seg.clone())
                        .filter(|&t| s.label_colon.is_none_or(|colon| t > colon))
                        .find_map(|t| {
                            if lex.sets().auxiliaries.contains(&tokens[t].lower)
                                && self.out.mention_covering(t).is_none()
                            {
                                verbal = true;
                            }
                            if verbal {
                                return None;
                            }
                            let m = self.out.mention_starting_at(t)?;
                            let span = self.out.mentions[m].tokens.clone();
                            syntax::governing_prep(lex, tokens, span, c.start()).is_none().then_some(m)
                        })
                })
                .collect();
            subjects.push(subj);
            syntax.push(st);
        }
        self.out.syntax = syntax;
        self.out.groups = groups;
        self.out.subjects = subjects;
    }

    /// Lists the roles of titled people, once mentions are in their final order. A
    /// person's affiliation starts where the person's argument span does, so it sorts
    /// right after the person.
    fn collect_roles(&mut self) {
        self.out.roles.clear();
        for pm in 0..self.out.mentions.len() {
            let m = &self.out.mentions[pm];
            let Some(ri) = m.role else { continue };
            let affiliation = self
                .out
                .mentions
                .get(pm + 1)
                .filter(|a| a.nested && a.tokens.start == m.tokens.start && a.tokens.end <= m.name.start)
                .map(|_| pm + 1);
            let role = &self.lex.grammar.role[ri];
            self.out.roles.push(Role {
                person: pm,
                predicate: role.predicate.get_ref().clone(),
                affiliation,
                national: role.national,
                targets: vec![],
            });
        }
    }

    fn classes_of(&self, e: usize) -> Vec<&str> {
        let ent = &self.out.entities[e];
        let mut c: Vec<&str> = ent.classes.iter().map(String::as_str).collect();
        if let Some(tc) = self.lex.grammar.type_classes.get(ent.kind.as_str()) {
            c.extend(tc.iter().map(String::as_str));
        }
        c
    }

    fn is_subject(&self, m: usize) -> bool {
        let s = self.out.mentions[m].sentence;
        self.out.subjects[s].contains(&Some(m))
    }

    /// 2 for the subject of a main clause, 1 for another clause's subject, 0 otherwise.
    fn subject_rank(&self, m: usize) -> u8 {
        let s = self.out.mentions[m].sentence;
        match self.out.subjects[s].iter().position(|&x| x == Some(m)) {
            Some(c) if self.out.syntax[s].clauses[c].kind == ClauseKind::Main => 2,
            Some(_) => 1,
            None => 0,
        }
    }

    /// The antecedent of mention `before`: among earlier mentions within `window`
    /// sentences whose targets satisfy `ok`, a subject of the same sentence, else any
    /// mention of the same sentence, else the most recent main-clause subject, else the
    /// most recent subject, else the most recent mention.
    fn recent(&self, before: usize, window: usize, ok: &dyn Fn(&Mention) -> bool) -> Option<Vec<usize>> {
        let here = self.out.mentions[before].sentence;
        let pos = self.out.mentions[before].tokens.start;
        let mut best: Option<((u32, u8), usize)> = None;
        // Mentions are sorted by position, so every earlier one has a smaller index: walk
        // back from `before` until the window is left (the work is the window's, not the
        // article's).
        for m in (0..before).rev() {
            work::add(1);
            let mm = &self.out.mentions[m];
            if mm.tokens.start >= pos {
                continue;
            }
            if here - mm.sentence.min(here) > window {
                break;
            }
            if mm.targets.is_empty() || !ok(mm) {
                continue;
            }
            // Nearest sentence first; within it, subjects (main clause first), then recency.
            let distance = (here - mm.sentence.min(here)) as u32;
            let rank = (u32::MAX - distance, self.subject_rank(m).max(u8::from(self.is_subject(m))));
            if best.is_none_or(|(r, _)| rank > r) {
                best = Some((rank, m));
            }
        }
        best.map(|(_, m)| self.out.mentions[m].targets.clone())
    }

    fn resolve(&mut self) {
        let lex = self.lex;
        let g = &lex.grammar;
        let n = self.out.mentions.len();
        // The lede's agents, then event anaphors.
        let mut lede = Vec::new();
        for (s, sent) in self.a.sentences.iter().enumerate() {
            if sent.kind == BlockKind::Heading {
                continue;
            }
            let syn = &self.out.syntax[s];
            let main = syn.clauses.iter().position(|c| c.kind == ClauseKind::Main);
            if let Some(Some(m)) = main.map(|c| self.out.subjects[s][c]) {
                let group = self.out.groups.get(&m).cloned().unwrap_or_else(|| vec![m]);
                let targets: Vec<usize> = group.iter().flat_map(|&g| self.out.mentions[g].targets.clone()).collect();
                if !targets.is_empty() && targets.iter().all(|&t| self.out.entities[t].kind.is_actor()) {
                    lede = targets;
                    break;
                }
            }
            if s >= 2 {
                break;
            }
        }
        lede.dedup();
        for m in &mut self.out.mentions {
            if m.kind == MentionKind::Event {
                m.targets = lede.clone();
            }
        }
        self.out.lede = lede;
        let ent_kind = |b: &Builder, e: usize| b.out.entities[e].kind;
        // A titled person's state or body, from the first title that names one ("Russian
        // Foreign Minister Sergei Lavrov"): made once, for the "his country" mentions below.
        let mut role_of: HashMap<usize, usize> = HashMap::default();
        for r in &self.out.roles {
            work::add(1);
            let affiliation = r.affiliation.and_then(|a| self.out.mentions[a].targets.first());
            if let (Some(&p), Some(&t)) = (self.out.mentions[r.person].targets.first(), affiliation) {
                role_of.entry(p).or_insert(t);
            }
        }
        let mut described = Described::default();
        for m in 0..n {
            work::add(1);
            let kind = self.out.mentions[m].kind;
            if !self.out.mentions[m].targets.is_empty() {
                continue;
            }
            let word = self.a.tokens[self.out.mentions[m].tokens.start].lower.clone();
            let resolved: Option<Vec<usize>> = match kind {
                MentionKind::Pronoun if g.pronouns_person.contains(&word) => self.recent(m, 2, &|mm| {
                    mm.kind != MentionKind::Event && ent_kind(self, mm.targets[0]) == EntityType::Person
                }),
                MentionKind::Pronoun if g.pronouns_plural.contains(&word) => {
                    let group = self.recent_group(m);
                    group.or_else(|| {
                        self.recent(m, 1, &|mm| {
                            mm.targets
                                .iter()
                                .all(|&t| ent_kind(self, t).is_actor() && ent_kind(self, t) != EntityType::Person)
                        })
                    })
                }
                MentionKind::Pronoun => self.recent(m, 2, &|mm| {
                    mm.targets.len() == 1
                        && ent_kind(self, mm.targets[0]).is_actor()
                        && ent_kind(self, mm.targets[0]) != EntityType::Person
                }),
                MentionKind::PersonCountry => {
                    let person = self.recent(m, 2, &|mm| ent_kind(self, mm.targets[0]) == EntityType::Person);
                    person
                        .and_then(|p| self.affiliation_of(&role_of, p[0]))
                        .map(|a| vec![a])
                        .or_else(|| self.recent(m, 3, &|mm| ent_kind(self, mm.targets[0]) == EntityType::Country))
                }
                MentionKind::Description => {
                    let class = self.out.mentions[m].class.clone().unwrap_or_default();
                    self.resolve_description(m, &class, &mut described)
                }
                _ => None,
            };
            if let Some(t) = resolved {
                // A resolved pronoun now names its targets for the descriptions after it.
                if kind != MentionKind::Description {
                    for (class, index) in described.indexes.iter_mut() {
                        for (k, &e) in t.iter().enumerate() {
                            if self.classes_of(e).contains(&class.as_str()) {
                                index.insert((self.out.mentions[m].tokens.start, m, k), e);
                            }
                        }
                    }
                }
                self.out.mentions[m].targets = t;
            }
        }
        // National offices without a named state serve the country being spoken of.
        for r in 0..self.out.roles.len() {
            let role = self.out.roles[r].clone();
            let targets = match role.affiliation {
                Some(a) => self.out.mentions[a].targets.clone(),
                None if role.national => self
                    .recent(role.person, 3, &|mm| {
                        mm.targets.len() == 1 && ent_kind(self, mm.targets[0]) == EntityType::Country
                    })
                    .unwrap_or_default(),
                None => vec![],
            };
            self.out.roles[r].targets = targets;
        }
    }

    fn recent_group(&self, m: usize) -> Option<Vec<usize>> {
        let here = self.out.mentions[m].sentence;
        let pos = self.out.mentions[m].tokens.start;
        for c in (0..m).rev() {
            work::add(1);
            let mm = &self.out.mentions[c];
            if here - mm.sentence.min(here) > 1 {
                // Sorted by position: everything further back is further away.
                return None;
            }
            if mm.tokens.start >= pos || mm.nested {
                continue;
            }
            let Some(g) = self.out.groups.get(&c) else { continue };
            if g.len() >= 2 && self.is_subject(g[0]) {
                return Some(g.iter().flat_map(|&x| self.out.mentions[x].targets.clone()).collect());
            }
        }
        None
    }

    /// A person's state or body: the first role naming one, else the gazetteer's parent.
    /// `role_of` maps persons to their first role's target (see `resolve`).
    fn affiliation_of(&self, role_of: &HashMap<usize, usize>, person: usize) -> Option<usize> {
        if let Some(&t) = role_of.get(&person) {
            return Some(t);
        }
        let parent = self.out.entities[person].parent.clone()?;
        self.by_id.get(&parent).copied()
    }

    fn resolve_description(&mut self, m: usize, class: &str, described: &mut Described) -> Option<Vec<usize>> {
        let def = self.lex.grammar.description.iter().find(|d| d.class == class)?.clone();
        let has_class = |b: &Builder, e: usize| b.classes_of(e).contains(&class);
        if def.scope == "article" {
            // The nearest mention of an entity of the class before this one, else the
            // nearest after it (ties: the first mention, then its first target), found in
            // an index of the class's mentions made once per class.
            let pos = self.out.mentions[m].tokens.start;
            if !described.indexes.contains_key(class) {
                let mut index = BTreeMap::new();
                for (i, mm) in self.out.mentions.iter().enumerate() {
                    work::add(1);
                    if mm.kind == MentionKind::Description || mm.kind == MentionKind::Event {
                        continue;
                    }
                    for (k, &t) in mm.targets.iter().enumerate() {
                        if has_class(self, t) {
                            index.insert((mm.tokens.start, i, k), t);
                        }
                    }
                }
                described.indexes.insert(class.to_string(), index);
            }
            let index = &described.indexes[class];
            work::add(1 + index.len().max(1).ilog2() as usize);
            let before = index.range(..(pos, 0, 0)).next_back().map(|(&(start, _, _), _)| start);
            let best = match before {
                // The first entry at that position.
                Some(start) => index.range((start, 0, 0)..).next().map(|(_, &e)| e),
                None => index.range((pos, 0, 0)..).next().map(|(_, &e)| e),
            };
            if let Some(e) = best {
                return Some(vec![e]);
            }
            // No such entity named: make one from the most salient country, if the class says how.
            let (Some(id_t), Some(label_t), Some(kind)) = (&def.fallback_id, &def.fallback_label, &def.fallback_type)
            else {
                return None;
            };
            let country = match described.salient_country {
                Some(c) => c?,
                None => {
                    // Counted once: later descriptions without a named entity use it too.
                    let c = self.most_salient(EntityType::Country);
                    described.salient_country = Some(c);
                    c?
                }
            };
            let c = self.out.entities[country].clone();
            let e = LocalEntity {
                id: id_t.replace("{country}", &c.id),
                label: label_t.replace("{Country}", &c.label).replace("{country}", &c.id),
                kind: EntityType::parse(kind.get_ref()).unwrap_or(EntityType::PoliticalOrganization),
                codes: Codes::default(),
                classes: vec![class.to_string()],
                parent: Some(c.id.clone()),
            };
            return Some(vec![self.push_entity(e)]);
        }
        self.recent(m, 6, &|mm| mm.targets.len() == 1 && has_class(self, mm.targets[0]))
    }

    fn most_salient(&self, kind: EntityType) -> Option<usize> {
        let mut count: HashMap<usize, usize> = HashMap::default();
        for m in &self.out.mentions {
            for &t in &m.targets {
                if self.out.entities[t].kind == kind {
                    *count.entry(t).or_default() += 1;
                }
            }
        }
        count.into_iter().max_by_key(|&(e, c)| (c, std::cmp::Reverse(e))).map(|(e, _)| e)
    }

    fn finish(&mut self) {
        let mut salience = vec![0; self.out.entities.len()];
        for m in &self.out.mentions {
            if m.kind == MentionKind::Event {
                continue;
            }
            for &t in &m.targets {
                salience[t] += 1;
            }
        }
        self.out.salience = salience;
    }
}

use crate::syntax::ClauseKind;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kebab_ids() {
        assert_eq!(kebab("Recep Tayyip Erdoğan"), "recep-tayyip-erdogan");
        assert_eq!(kebab("Faisal bin Farhan"), "faisal-bin-farhan");
        assert_eq!(kebab("Côte d'Ivoire"), "cote-d-ivoire");
    }
}

#[cfg(test)]
mod stage_tests {
    use crate::article::{self, Format, GivenMeta};
    use crate::Extractor;
    use std::sync::OnceLock;

    fn ex() -> &'static Extractor {
        static EX: OnceLock<Extractor> = OnceLock::new();
        EX.get_or_init(|| Extractor::embedded().unwrap())
    }

    /// (entity id, mention texts) for `text`.
    fn ents(text: &str) -> Vec<(String, Vec<String>)> {
        let (a, _) = article::parse(text.to_string(), "t", Format::Plain, &GivenMeta::default());
        ex().extract(&a)
            .entities
            .into_iter()
            .map(|e| (e.id, e.mentions.into_iter().map(|m| m.text).collect()))
            .collect()
    }

    fn ids(text: &str) -> Vec<String> {
        ents(text).into_iter().map(|(id, _)| id).collect()
    }

    #[test]
    fn false_hits_are_guarded() {
        let found = ids("Chad Smith and Michael Jordan ate turkey dinner in fine china cups.");
        assert!(!found.iter().any(|id| ["chad", "jordan", "turkey", "china"].contains(&id.as_str())), "{found:?}");
        assert_eq!(ids("Georgia voters in Atlanta queued for hours."), Vec::<String>::new());
        assert_eq!(ids("Chad and Jordan signed the accord."), ["chad", "jordan"]);
    }

    #[test]
    fn demonyms_capitals_and_possessives() {
        assert_eq!(
            ents("The Kremlin's envoy met Afghan officials in Moscow."),
            [
                ("russia".to_string(), vec!["Kremlin".to_string()]),
                ("afghanistan".to_string(), vec!["Afghan".to_string()]),
                ("moscow".to_string(), vec!["Moscow".to_string()]),
            ]
        );
        assert_eq!(ids("Moscow said the talks failed."), ["russia"]);
    }

    #[test]
    fn titled_and_named_people_and_surnames() {
        let e = ents("Foreign Minister Sergei Lavrov met Vladimir Medinsky. Medinsky said little.");
        assert!(
            e.contains(&(
                "vladimir-medinsky".to_string(),
                vec!["Vladimir Medinsky".to_string(), "Medinsky".to_string()]
            )),
            "{e:?}"
        );
        assert!(e.iter().any(|(id, _)| id == "sergey-lavrov" || id == "sergei-lavrov"), "{e:?}");
        let e = ents("The bloc's foreign policy chief, Kaja Kallas, spoke after the EU met.");
        assert!(e.iter().any(|(id, _)| id == "kaja-kallas"), "{e:?}");
    }

    #[test]
    fn coreference() {
        let e = ents("The European Union met on Monday. The bloc imposed sanctions. It also warned Iran.");
        assert_eq!(
            e[0],
            (
                "european-union".to_string(),
                vec!["European Union".to_string(), "The bloc".to_string(), "It".to_string()]
            )
        );
        let e = ents("The Taliban seized Kabul. The group said it would rule.");
        assert_eq!(e.iter().find(|(id, _)| id == "taliban").unwrap().1, ["Taliban", "The group", "it"]);
    }

    #[test]
    fn junta_without_a_name_is_made_from_the_country() {
        assert_eq!(ids("Mali was quiet. The junta expelled diplomats from Mali."), ["mali", "mali-junta"]);
    }
}

//! Relation stage: finds the lexicon's triggers in each sentence and their subject and
//! object among the entity stage's mentions, with negation and modality.
//!
//! Constructions handled: active and passive verbs (including reduced relatives, "a deal
//! brokered by China"), nominalisations with a possessor or a clause subject ("Russia's
//! recognition of", "imposed sanctions on"), adjectives ("worried about"), coordination
//! on either side, relative clauses, reported speech, appositions ("Gwadar, a port city
//! in Balochistan"; "the Quad, the grouping of India, …"), people's titles, and bullet
//! lead-ins ("Economic Interests: …"). Headlines carry no relations: their telegraphic
//! verbs are read from the body instead.

use std::collections::BTreeMap;

use crate::lexicon::{Form, Lexicon, Trigger, TriggerKind};
use crate::mentions::{Entities, MentionKind};
use crate::model::{EntityType, Evidence, Modality, Relation};
use crate::syntax::{self, ClauseKind, Spans};
use crate::text::{Analysis, BlockKind, TokenKind};
use crate::work;
use rustc_hash::{FxHashMap, FxHashSet};

/// One side of a relation: the entities it stands for, the mentions that name them and,
/// for "Ukraine's team", the head noun.
#[derive(Clone, Debug, Default)]
struct Arg {
    targets: Vec<usize>,
    mentions: Vec<usize>,
    head: Option<String>,
    indirect: bool,
    /// The subject of an infinitive controlled by an object ("urged Moscow to return"):
    /// what it states is requested, not asserted.
    controlled: bool,
}

#[derive(Clone, Debug)]
struct Candidate {
    subject: usize,
    predicate: String,
    object: usize,
    negated: bool,
    modality: Modality,
    confidence: f32,
    rule: String,
    sentence: usize,
    /// The predicate a unit noun turned into this one ("led Ukraine's team" → memberOf).
    origin: Option<String>,
}

/// How many of the latest events an event anaphor ("the strikes") may stand for: far
/// more than a news article states before referring back, and a bound on the work.
const MAX_EVENTS_BACK: usize = 256;

/// An event a trigger stated, remembered for the event anaphors that follow.
struct EventSeen {
    sentence: usize,
    word: String,
    predicate: String,
    agents: Vec<usize>,
}

struct Ctx<'a> {
    /// Events seen so far (trigger word, predicate, non-person agents, sentence), for
    /// event anaphors: "the strikes" stands for the agents of "airstrikes", else of the
    /// latest event of its predicate.
    events: std::cell::RefCell<Vec<EventSeen>>,
    text: &'a str,
    a: &'a Analysis,
    e: &'a Entities,
    lex: &'a Lexicon,
    block_tokens: Vec<std::ops::Range<usize>>,
    /// The words of each block a context trigger has looked at, made once per block so
    /// that a long paragraph full of triggers is not rescanned for each.
    block_words: std::cell::RefCell<FxHashMap<usize, FxHashSet<&'a str>>>,
    /// The roles (titles) whose person is named in each sentence.
    roles_of: Vec<Vec<usize>>,
}

/// Finds the relations of an article whose entities have been found.
pub fn find(text: &str, a: &Analysis, e: &Entities, lex: &Lexicon) -> Vec<Relation> {
    // Token range of each block, for the triggers that look at their paragraph.
    let blocks = a.sentences.iter().map(|s| s.block).max().map_or(0, |b| b + 1);
    let mut block_tokens: Vec<std::ops::Range<usize>> = vec![0..0; blocks];
    for s in &a.sentences {
        let r = &mut block_tokens[s.block];
        if r.start == r.end {
            *r = s.tokens.clone();
        } else {
            r.end = s.tokens.end;
        }
    }
    let mut roles_of = vec![Vec::new(); a.sentences.len()];
    for (ri, r) in e.roles.iter().enumerate() {
        if let Some(list) = roles_of.get_mut(e.mentions[r.person].sentence) {
            list.push(ri);
        }
    }
    let ctx =
        Ctx { events: Default::default(), text, a, e, lex, block_tokens, block_words: Default::default(), roles_of };
    let mut all = Vec::new();
    for si in 0..a.sentences.len() {
        if a.sentences[si].kind == BlockKind::Heading {
            continue;
        }
        let mut cands = ctx.sentence(si);
        ctx.subsume(&mut cands);
        all.extend(cands);
    }
    ctx.merge(all)
}

impl Ctx<'_> {
    fn sentence(&self, si: usize) -> Vec<Candidate> {
        let sent = &self.a.sentences[si];
        let mut out = Vec::new();
        let mut lead_in_triggers = Vec::new();
        for t in sent.tokens.clone() {
            work::add(1);
            if self.e.mention_covering(t).is_some() {
                continue;
            }
            for tf in self.lex.forms_of(&self.a.tokens[t].lower) {
                work::add(1);
                let rest_ok = tf.rest.iter().enumerate().all(|(k, w)| {
                    self.a.tokens.get(t + 1 + k).is_some_and(|x| x.lower == *w && t + 1 + k < sent.tokens.end)
                });
                if !rest_ok {
                    continue;
                }
                let trig = &self.lex.triggers[tf.trigger];
                let Some(end) = self.applies(trig, tf.form, si, t, t + 1 + tf.rest.len()) else {
                    continue;
                };
                let found = self.arguments(trig, tf.form, si, t, end);
                // Event anaphors stand for the actors behind an event, not the people who carried it out.
                let mut agents: Vec<usize> = Vec::new();
                for c in found.iter().filter(|c| self.e.entities[c.subject].kind != EntityType::Person) {
                    if !agents.contains(&c.subject) {
                        agents.push(c.subject);
                    }
                }
                if !agents.is_empty() {
                    let (word, predicate) = (self.a.tokens[t].lower.clone(), trig.predicate.get_ref().clone());
                    self.events.borrow_mut().push(EventSeen { sentence: si, word, predicate, agents });
                }
                if found.is_empty() && sent.label_colon.is_some_and(|c| t < c) {
                    lead_in_triggers.push(tf.trigger);
                }
                out.extend(found);
            }
        }
        for trig in lead_in_triggers {
            out.extend(self.lead_in(&self.lex.triggers[trig], si));
        }
        out.extend(self.appositions(si));
        out.extend(self.roles(si));
        out
    }

    /// Checks a trigger's conditions; returns the end of its span (particle included).
    fn applies(&self, trig: &Trigger, _form: Form, si: usize, t: usize, end: usize) -> Option<usize> {
        let sent = &self.a.sentences[si];
        let toks = &self.a.tokens;
        let mut end = end;
        if !trig.particle.is_empty() {
            let p = toks.get(end).filter(|_| end < sent.tokens.end)?;
            if !trig.particle.contains(&p.lower) {
                return None;
            }
            end += 1;
        }
        if !trig.requires.is_empty() {
            // Within `window` tokens on either side: "signed a deal", "the deal was signed".
            let lo = t.saturating_sub(trig.window).max(sent.tokens.start);
            let hi = (end + trig.window).min(sent.tokens.end);
            if !(lo..hi).any(|j| (j < t || j >= end) && trig.requires.contains(&toks[j].lower)) {
                return None;
            }
        }
        let in_block = |words: &[String]| {
            let mut cache = self.block_words.borrow_mut();
            let set = cache.entry(sent.block).or_insert_with(|| {
                let range = self.block_tokens[sent.block].clone();
                work::add(range.len());
                toks[range].iter().map(|t| t.lower.as_str()).collect()
            });
            work::add(words.len());
            words.iter().any(|w| set.contains(w.as_str()))
        };
        if !trig.context.is_empty() && !in_block(&trig.context) {
            return None;
        }
        if !trig.unless_context.is_empty() && in_block(&trig.unless_context) {
            return None;
        }
        let prev = (t > sent.tokens.start).then(|| &toks[t - 1]);
        let det = |w: &str| self.lex.sets().noun_markers.contains(w);
        match trig.kind {
            TriggerKind::Verb => {
                // "the attack", "Russia's attacks": a noun, not the verb.
                if prev.is_some_and(|p| det(&p.lower) || p.kind == TokenKind::Possessive) {
                    return None;
                }
                // "the Taliban's de facto control", "an emergency meeting": a possessive or a
                // determiner shortly before a bare or -ing form makes it a noun.
                if matches!(_form, Form::Base | Form::Third | Form::Ing) {
                    let start = sent.tokens.start;
                    let mut j = t;
                    while j > start && t - j < 3 {
                        let p = &toks[j - 1];
                        if p.kind == TokenKind::Possessive || (j < t && det(&p.lower)) {
                            return None;
                        }
                        // "a Ukrainian apartment block": see through a nationality adjective.
                        if let Some(m) = self.e.mention_covering(j - 1) {
                            if self.e.mentions[m].kind == MentionKind::Demonym {
                                j = self.e.mentions[m].tokens.start;
                                continue;
                            }
                        }
                        if p.kind != TokenKind::Word
                            || p.cap
                            || self.lex.sets().be_forms.contains(&p.lower)
                            || self.lex.sets().auxiliaries.contains(&p.lower)
                        {
                            break;
                        }
                        j -= 1;
                    }
                }
            }
            TriggerKind::Noun => {
                // "the deal", "the sanctions": an anaphor of an event stated elsewhere.
                let word = &toks[t].lower;
                let definite = prev.is_some_and(|p| matches!(p.lower.as_str(), "the" | "this" | "that"))
                    || (t >= sent.tokens.start + 2
                        && matches!(toks[t - 2].lower.as_str(), "the" | "this")
                        && prev.is_some_and(|p| !p.cap && p.kind == TokenKind::Word));
                let next_is_object = toks.get(end).is_some_and(|n| trig.objects.contains(&n.lower));
                if definite && self.lex.sets().event_nouns.contains(word) && !next_is_object {
                    return None;
                }
            }
            TriggerKind::Adjective => {}
        }
        Some(end)
    }

    fn arg_of(&self, mentions: &[usize]) -> Arg {
        let mut arg = Arg::default();
        for &m in mentions {
            let mm = &self.e.mentions[m];
            if mm.kind == MentionKind::Event {
                // "the strikes": the agents of the latest event of that kind, else the lede's.
                let noun = &self.a.tokens[mm.tokens.end - 1].lower;
                let events = self.events.borrow();
                let predicates: Vec<&String> =
                    self.lex.forms_of(noun).iter().map(|f| self.lex.triggers[f.trigger].predicate.get_ref()).collect();
                let same_word =
                    |e: &&EventSeen| e.word == *noun || (noun.len() >= 4 && e.word.ends_with(noun.as_str()));
                // The latest event named by the same word, else the latest of the same predicate;
                // the agents of one sentence's event are gathered together.
                // Only the latest events are candidates, so an article of many events and
                // many anaphors stays linear.
                let recent = &events[events.len().saturating_sub(MAX_EVENTS_BACK)..];
                work::add(recent.len());
                let pick =
                    recent.iter().rev().find(same_word).map(|e| (e.sentence, Some(e.word.clone()), None)).or_else(
                        || {
                            recent
                                .iter()
                                .rev()
                                .find(|e| predicates.contains(&&e.predicate))
                                .map(|e| (e.sentence, None, Some(e.predicate.clone())))
                        },
                    );
                if let Some((sentence, word, predicate)) = pick {
                    // Events are recorded in sentence order: that sentence's are together.
                    let of_sentence = recent
                        .iter()
                        .rev()
                        .skip_while(|e| e.sentence > sentence)
                        .take_while(|e| e.sentence == sentence);
                    let mut chosen: Vec<&EventSeen> = of_sentence
                        .filter(|e| {
                            word.as_ref().is_some_and(|_| same_word(e)) || predicate.as_ref() == Some(&e.predicate)
                        })
                        .collect();
                    chosen.reverse();
                    for e in chosen {
                        for &a in &e.agents {
                            if !arg.targets.contains(&a) {
                                arg.targets.push(a);
                            }
                        }
                    }
                    arg.mentions.push(m);
                    arg.indirect = true;
                    continue;
                }
            }
            arg.targets.extend(mm.targets.iter().copied());
            arg.mentions.push(m);
            if matches!(
                mm.kind,
                MentionKind::Pronoun | MentionKind::Description | MentionKind::Event | MentionKind::PersonCountry
            ) {
                arg.indirect = true;
            }
        }
        if let Some(&last) = mentions.last() {
            let mut j = self.e.mentions[last].tokens.end;
            if self.a.tokens.get(j).is_some_and(|t| t.kind == TokenKind::Possessive) {
                j += 1;
            }
            if let Some(t) = self.a.tokens.get(j) {
                if t.kind == TokenKind::Word && !t.cap && self.e.mention_covering(j).is_none() {
                    arg.head = Some(t.lower.clone());
                }
            }
        }
        arg.targets.dedup();
        arg
    }

    fn group(&self, m: usize) -> Vec<usize> {
        self.e.groups.get(&m).cloned().unwrap_or_else(|| vec![m])
    }

    /// "Russia's Africa Corps": the possessed name is the head.
    fn head_mention(&self, m: usize) -> usize {
        let mm = &self.e.mentions[m];
        if mm.possessive {
            if let Some(next) = self.e.mention_starting_at(mm.tokens.end + 1) {
                return next;
            }
        }
        m
    }

    fn clause_subject(&self, si: usize, clause: usize, before: usize) -> Option<usize> {
        let m = self.e.subjects[si].get(clause).copied().flatten()?;
        (self.e.mentions[m].tokens.start < before).then(|| self.head_mention(m))
    }

    fn main_subject(&self, si: usize) -> Option<usize> {
        let syn = &self.e.syntax[si];
        let c = syn.clauses.iter().position(|c| c.kind == ClauseKind::Main)?;
        self.e.subjects[si][c].map(|m| self.head_mention(m))
    }

    /// A possessive mention ending at most `gap` lowercase words before `t`
    /// ("its long-standing strategic interests"), or a name right before it ("Chinese loans").
    fn possessor(&self, si: usize, t: usize, gap: usize) -> Option<usize> {
        let start = self.a.sentences[si].tokens.start;
        let mut j = t;
        let mut steps = 0;
        while j > start {
            let prev = &self.a.tokens[j - 1];
            if prev.kind == TokenKind::Possessive {
                return self.e.mention_covering(j - 2);
            }
            if let Some(m) = self.e.mention_covering(j - 1) {
                let mm = &self.e.mentions[m];
                let pronoun_possessive =
                    mm.kind == MentionKind::Pronoun && self.lex.sets().noun_markers.contains(&prev.lower);
                let adjacent_name = steps == 0 && mm.kind != MentionKind::Pronoun && mm.kind != MentionKind::Event;
                // "Russian missile strikes": a nationality adjective heads the noun phrase.
                let demonym = mm.kind == MentionKind::Demonym;
                return (pronoun_possessive || adjacent_name || demonym).then_some(m);
            }
            if steps >= gap
                || !((prev.kind == TokenKind::Word && !prev.cap) || prev.lower == "-" || prev.kind == TokenKind::Number)
            {
                return None;
            }
            if self.lex.sets().prepositions.contains(&prev.lower) {
                return None;
            }
            j -= 1;
            steps += 1;
        }
        None
    }

    fn subject(&self, si: usize, t: usize, kind: TriggerKind, form: Form) -> Option<Arg> {
        let syn = &self.e.syntax[si];
        let sent_start = self.a.sentences[si].tokens.start;
        let Some(c) = syn.clause_of(t) else {
            // A verb inside an apposition: its anchor is the subject.
            if kind != TriggerKind::Verb {
                return None;
            }
            let skip = syn.skips.iter().find(|s| s.contains(&t))?;
            let m = self.e.mention_covering(skip.start.checked_sub(1)?)?;
            return Some(self.arg_of(&self.group(m)));
        };
        let clause = &syn.clauses[c];
        if kind == TriggerKind::Noun {
            if let Some(m) = self.possessor(si, t, 5) {
                return Some(self.arg_of(&self.group(m)));
            }
        }
        if kind == TriggerKind::Verb && form == Form::Ing {
            // "a statement condemning the launch": a participle right after a noun modifies
            // that noun, which is its subject.
            let mut j = t;
            while j > sent_start && self.a.tokens[j - 1].lower.ends_with("ly") {
                j -= 1;
            }
            if j > sent_start {
                let p = &self.a.tokens[j - 1];
                let sets = self.lex.sets();
                let verbal = sets.be_forms.contains(&p.lower)
                    || self.lex.sets().auxiliaries.contains(&p.lower)
                    || self.lex.grammar.catenatives.contains(&p.lower)
                    || sets.prepositions.contains(&p.lower)
                    || self.lex.grammar.coordinators.contains(&p.lower)
                    || self.lex.grammar.subordinators.contains(&p.lower)
                    || self.lex.grammar.temporal_conjunctions.contains(&p.lower);
                if p.kind == TokenKind::Word && !p.cap && !verbal && self.e.mention_covering(j - 1).is_none() {
                    return None;
                }
                if let Some(m) = self.e.mention_covering(j - 1) {
                    if !self.e.mentions[m].possessive {
                        return Some(self.arg_of(&self.group(m)));
                    }
                }
            }
        }
        if kind == TriggerKind::Verb && matches!(form, Form::Ing | Form::Base) {
            // "Beijing's strategy of countering", "Russia's decision to recognise".
            let mut j = t;
            while j > sent_start && self.a.tokens[j - 1].lower.ends_with("ly") {
                j -= 1;
            }
            if j > sent_start && matches!(self.a.tokens[j - 1].lower.as_str(), "of" | "to") {
                if let Some(m) = self.possessor(si, j - 1, 4) {
                    if self.e.mentions[m].possessive || self.e.mentions[m].kind == MentionKind::Pronoun {
                        return Some(self.arg_of(&self.group(m)));
                    }
                }
                // "accuse Chinese firms of supplying", "allows Russia to assert": the nearest
                // name before the infinitive or gerund controls it.
                let lo = (j - 1).saturating_sub(4).max(sent_start);
                if let Some(m) =
                    (lo..j - 1).rev().find_map(|k| self.e.mention_covering(k).filter(|&m| !self.e.mentions[m].nested))
                {
                    if self.e.syntax[si].clause_of(self.e.mentions[m].tokens.start) == Some(c) {
                        let mut arg = self.arg_of(&self.group(m));
                        let subject = self.e.subjects[si].get(c).copied().flatten();
                        let is_subject = subject.is_some_and(|sm| self.group(sm).contains(&m));
                        arg.controlled = !is_subject && self.a.tokens[j - 1].lower == "to";
                        return Some(arg);
                    }
                }
            }
        }
        if let Some(m) = self.clause_subject(si, c, t) {
            // "…, after a week of Russian strikes on": a noun inside a time or cause adjunct
            // is not something the clause subject does.
            let from = self.e.mentions[m].tokens.end;
            let adjunct = kind != TriggerKind::Verb
                && (from..t).any(|k| self.lex.grammar.adjunct_prepositions.contains(&self.a.tokens[k].lower));
            if adjunct {
                return None;
            }
            return Some(self.arg_of(&self.group(m)));
        }
        if clause.kind == ClauseKind::Relative {
            if let Some(a) = clause.antecedent {
                return Some(self.arg_of(&self.group(a)));
            }
        }
        if clause.kind == ClauseKind::Subordinate
            && kind == TriggerKind::Verb
            && form == Form::Ing
            && clause.intro == Some(sent_start)
        {
            return self.main_subject(si).map(|m| self.arg_of(&self.group(m)));
        }
        None
    }

    /// The object: the first argument mention after the trigger introduced as the trigger
    /// allows (directly, or after one of its prepositions), within the clause.
    fn object(&self, si: usize, from: usize, trig: &Trigger, skip_by: Option<usize>, direct_ok: bool) -> Option<Arg> {
        let sent = &self.a.sentences[si];
        let g = &self.lex.grammar;
        let lim = (from + 12).min(sent.tokens.end);
        let mut j = from;
        while j < lim {
            let tok = &self.a.tokens[j];
            let w = tok.lower.as_str();
            if [";", ":", "."].contains(&w)
                || g.relative_pronouns.iter().any(|x| x == w)
                || g.reporting_verbs.iter().any(|x| x == w)
                || (g.complementizers.iter().any(|x| x == w) && !trig.through_that)
                || w == "while"
                || w == "but"
            {
                return None;
            }
            if Some(j) == skip_by {
                // The passive's "by X" phrase.
                j += 1;
                if let Some(m) = self.e.mention_starting_at(j).or_else(|| self.e.mention_starting_at(j + 1)) {
                    j = self.e.mentions[m].tokens.end;
                }
                continue;
            }
            if !trig.particle.is_empty() && j > from + 2 {
                return None; // "call on X": the object follows the particle
            }
            if let Some(m) = self.e.mention_starting_at(j) {
                let span = self.e.mentions[m].tokens.clone();
                let gov = syntax::governing_prep(self.lex, &self.a.tokens, span.clone(), sent.tokens.start);
                let direct = direct_ok && trig.objects.iter().any(|o| o.is_empty());
                let ok = match gov {
                    None => direct,
                    Some("of") => direct || trig.objects.iter().any(|o| o == "of"),
                    Some(p) => trig.objects.iter().any(|o| o == p) || (direct && trig.particle.iter().any(|o| o == p)),
                };
                if ok && !self.e.mentions[m].targets.is_empty() {
                    let m = self.head_mention(m);
                    return Some(self.arg_of(&self.group(m)));
                }
                j = span.end.max(j + 1);
                continue;
            }
            j += 1;
        }
        None
    }

    /// For nouns and adjectives: the mention after one of the trigger's prepositions.
    fn prep_object(&self, si: usize, from: usize, trig: &Trigger) -> Option<(Arg, bool)> {
        let sent = &self.a.sentences[si];
        let lim = (from + 3).min(sent.tokens.end);
        for j in from..lim {
            let w = &self.a.tokens[j].lower;
            if [",", ";", ":", "."].contains(&w.as_str()) {
                return None;
            }
            if trig.objects.contains(w) {
                let between = w == "between";
                for k in j + 1..(j + 6).min(sent.tokens.end) {
                    if let Some(m) = self.e.mention_starting_at(k) {
                        if self.e.mentions[m].targets.is_empty() {
                            return None;
                        }
                        let m = self.head_mention(m);
                        return Some((self.arg_of(&self.group(m)), between));
                    }
                    let t = &self.a.tokens[k];
                    if !(self.lex.sets().determiners.contains(&t.lower)
                        || (t.kind == TokenKind::Word && !t.cap)
                        || t.kind == TokenKind::Number)
                    {
                        return None;
                    }
                }
                return None;
            }
            if self.e.mention_covering(j).is_some() {
                return None;
            }
        }
        None
    }

    /// The passive's agent: "by X" shortly after the participle ("armed and financed by Tehran").
    fn by_agent(&self, si: usize, from: usize) -> Option<(usize, Arg)> {
        let sent = &self.a.sentences[si];
        let lim = (from + 5).min(sent.tokens.end);
        let mut j = from;
        while j < lim {
            let t = &self.a.tokens[j];
            if t.lower == "by" {
                for k in j + 1..(j + 3).min(sent.tokens.end) {
                    if let Some(m) = self.e.mention_starting_at(k) {
                        let m = self.head_mention(m);
                        return Some((j, self.arg_of(&self.group(m))));
                    }
                    if !self.lex.sets().determiners.contains(&self.a.tokens[k].lower) {
                        break;
                    }
                }
                return None;
            }
            let skippable = t.lower.ends_with("ly")
                || t.lower == "and"
                || (t.kind == TokenKind::Word && !t.cap && t.lower.ends_with("ed"));
            if !skippable {
                return None;
            }
            j += 1;
        }
        None
    }

    fn preceded_by_be(&self, si: usize, t: usize) -> bool {
        let start = self.a.sentences[si].tokens.start;
        let mut j = t;
        let mut steps = 0;
        while j > start && steps < 4 {
            j -= 1;
            steps += 1;
            let w = &self.a.tokens[j].lower;
            if self.lex.sets().be_forms.contains(w) {
                return true;
            }
            if !(w.ends_with("ly")
                || ["not", "n't", "also", "already", "been", "being", "reportedly", "and"].contains(&w.as_str()))
            {
                return false;
            }
        }
        false
    }

    fn arguments(&self, trig: &Trigger, form: Form, si: usize, t: usize, end: usize) -> Vec<Candidate> {
        let (subject, object, between) = match trig.kind {
            TriggerKind::Verb => {
                let agent = if form == Form::Past { self.by_agent(si, end) } else { None };
                if let Some((by_at, agent)) = agent {
                    // "sanctions imposed by the EU on Iran": a prepositional object after the
                    // agent; otherwise the passive's subject.
                    let found = self.object(si, end, trig, Some(by_at), false).or_else(|| self.passive_object(si, t));
                    // "the deal was signed by A and B": A and B together, not with the deal's parties.
                    let symmetric_group = agent.targets.len() >= 2
                        && self.lex.predicate(trig.predicate.get_ref()).is_some_and(|p| p.symmetric);
                    let object = found.filter(|o| !(symmetric_group && o.indirect));
                    (Some(agent), object, false)
                } else {
                    if form == Form::Past && self.preceded_by_be(si, t) {
                        return vec![]; // a passive without its agent names no subject
                    }
                    let subject = self.subject(si, t, trig.kind, form);
                    let object =
                        self.object(si, end, trig, None, true).or_else(|| self.relative_gap(si, t, subject.as_ref()));
                    (subject, object, false)
                }
            }
            TriggerKind::Noun | TriggerKind::Adjective => {
                let object = self.prep_object(si, end, trig);
                let (object, between) = match object {
                    Some((o, b)) => (Some(o), b),
                    None => (None, false),
                };
                let subject = if between && self.lex.predicate(trig.predicate.get_ref()).is_some_and(|p| p.symmetric) {
                    None
                } else {
                    self.subject(si, t, trig.kind, form)
                };
                (subject, object, between)
            }
        };
        let (negated, mut modality) = self.polarity(si, t, subject.as_ref());
        if subject.as_ref().is_some_and(|s| s.controlled) && modality == Modality::Asserted {
            modality = Modality::Hypothetical;
        }
        let mut out = Vec::new();
        let pred = self.lex.predicate(trig.predicate.get_ref()).expect("checked at load time");
        let mut conf = trig.confidence;
        if subject.as_ref().is_some_and(|s| s.indirect) || object.as_ref().is_some_and(|o| o.indirect) {
            conf *= 0.9;
        }
        let mut emit = |s: usize, o: usize, head: Option<&String>| {
            let (s, o) = if trig.reverse { (o, s) } else { (s, o) };
            let mut predicate = pred.name.clone();
            let mut origin = None;
            if head.is_some_and(|h| pred.unit_nouns.contains(h)) {
                if let Some(u) = &pred.unit_predicate {
                    predicate = u.get_ref().clone();
                    origin = Some(pred.name.clone());
                }
            }
            out.push(Candidate {
                subject: s,
                predicate,
                object: o,
                negated,
                modality,
                confidence: conf,
                rule: trig.id.clone(),
                sentence: si,
                origin,
            });
        };
        match (&subject, &object) {
            (_, Some(o)) if between && pred.symmetric => {
                for (i, &a) in o.targets.iter().enumerate() {
                    for &b in &o.targets[i + 1..] {
                        emit(a, b, None);
                    }
                }
            }
            (Some(s), Some(o)) => {
                for &a in &s.targets {
                    for &b in &o.targets {
                        emit(a, b, o.head.as_ref());
                    }
                }
            }
            (Some(s), None) if pred.symmetric && s.targets.len() >= 2 => {
                for (i, &a) in s.targets.iter().enumerate() {
                    for &b in &s.targets[i + 1..] {
                        emit(a, b, None);
                    }
                }
            }
            _ => {}
        }
        self.typed(out)
    }

    /// The object of a passive: the clause subject, the relative antecedent, or the noun the
    /// participle modifies ("a deal brokered by China": the deal's parties, the lede's agents).
    fn passive_object(&self, si: usize, t: usize) -> Option<Arg> {
        let syn = &self.e.syntax[si];
        let start = self.a.sentences[si].tokens.start;
        let mut j = t;
        while j > start && (self.a.tokens[j - 1].lower.ends_with("ly")) {
            j -= 1;
        }
        if j > start {
            if let Some(m) = self.e.mention_covering(j - 1) {
                if !self.preceded_by_be(si, t) {
                    return Some(self.arg_of(&self.group(m)));
                }
            }
            if self.lex.sets().event_nouns.contains(&self.a.tokens[j - 1].lower) && !self.e.lede.is_empty() {
                return Some(Arg {
                    targets: self.e.lede.clone(),
                    mentions: vec![],
                    head: None,
                    indirect: true,
                    controlled: false,
                });
            }
        }
        let c = syn.clause_of(t)?;
        if let Some(m) = self.clause_subject(si, c, t) {
            return Some(self.arg_of(&self.group(m)));
        }
        let clause = &syn.clauses[c];
        if clause.kind == ClauseKind::Relative {
            if let Some(a) = clause.antecedent {
                return Some(self.arg_of(&self.group(a)));
            }
        }
        None
    }

    /// "Crimea, which Moscow annexed": in a relative clause whose own subject is named, the
    /// missing object is the antecedent.
    fn relative_gap(&self, si: usize, t: usize, subject: Option<&Arg>) -> Option<Arg> {
        let syn = &self.e.syntax[si];
        let clause = &syn.clauses[syn.clause_of(t)?];
        let (ClauseKind::Relative, Some(ante), Some(intro)) = (clause.kind, clause.antecedent, clause.intro) else {
            return None;
        };
        let subject_inside = subject?.mentions.iter().any(|&m| self.e.mentions[m].tokens.start > intro);
        subject_inside.then(|| self.arg_of(&self.group(ante)))
    }

    /// Negation and modality cues between the start of the trigger's clause (or the last
    /// coordinated verb phrase) and the trigger.
    fn polarity(&self, si: usize, t: usize, subject: Option<&Arg>) -> (bool, Modality) {
        let syn = &self.e.syntax[si];
        let sent_start = self.a.sentences[si].tokens.start;
        let clause = syn.clause_of(t).map(|c| &syn.clauses[c]);
        let mut start = clause.map_or(sent_start, |c| c.start());
        if let Some(s) = subject {
            for &m in &s.mentions {
                let span = &self.e.mentions[m].tokens;
                if span.end <= t && span.end > start && clause.is_some_and(|c| c.contains(span.start)) {
                    start = span.end;
                }
            }
        }
        let last_break = (start..t).rev().find(|&j| {
            let w = self.a.tokens[j].lower.as_str();
            (w == "and" || w == "but" || w == "or" || w == ",")
                && !syn.skipped(j)
                && self.e.mention_covering(j).is_none()
        });
        if let Some(j) = last_break {
            start = j + 1;
        }
        let mut words: Vec<&str> =
            (start..t).filter(|&j| !syn.skipped(j)).map(|j| self.a.tokens[j].lower.as_str()).collect();
        if let Some(i) = clause.and_then(|c| c.intro) {
            words.insert(0, self.a.tokens[i].lower.as_str());
        }
        let has = |cue: &[String]| words.windows(cue.len()).any(|w| w.iter().zip(cue).all(|(a, b)| *a == b));
        // A cue marked "_" must stand right before the trigger ("no _": "no recognition").
        let adjacent = |cue: &[String]| {
            words.len() >= cue.len() && words[words.len() - cue.len()..].iter().zip(cue).all(|(a, b)| *a == b)
        };
        let negated = self.lex.negation_cues().iter().any(|(c, adj)| if *adj { adjacent(c) } else { has(c) });
        let modality = self.lex.modality_cues().iter().find(|(c, _)| has(c)).map_or(Modality::Asserted, |(_, m)| *m);
        (negated, modality)
    }

    /// Keeps candidates whose argument types the predicate allows; drops self-relations.
    fn typed(&self, cands: Vec<Candidate>) -> Vec<Candidate> {
        cands
            .into_iter()
            .filter(|c| {
                let Some(p) = self.lex.predicate(&c.predicate) else {
                    return false;
                };
                let sk = self.e.entities[c.subject].kind;
                let ok_kind = |k: EntityType, allowed: &[toml::Spanned<String>]| {
                    allowed.is_empty() || allowed.iter().any(|a| a.get_ref() == k.as_str())
                };
                let ok = |p: &crate::lexicon::Predicate| {
                    ok_kind(sk, &p.subject_types) && ok_kind(self.e.entities[c.object].kind, &p.object_types)
                };
                // A relation turned into its unit predicate must also suit the original one.
                let origin_ok = c.origin.as_ref().and_then(|o| self.lex.predicate(o)).is_none_or(ok);
                c.subject != c.object && ok(p) && origin_ok
            })
            .collect()
    }

    /// A bullet's lead-in label states the predicate ("Economic Interests:"); its body names
    /// the actor (the article's most salient one there) and what the label is about.
    fn lead_in(&self, trig: &Trigger, si: usize) -> Vec<Candidate> {
        let sent = &self.a.sentences[si];
        let Some(colon) = sent.label_colon else {
            return vec![];
        };
        // Mentions are sorted by start: only those starting in [lo, hi) are looked at.
        let in_range = |lo: usize, hi: usize| -> Vec<usize> {
            let first = self.e.mentions.partition_point(|m| m.tokens.start < lo);
            let mut found = Vec::new();
            for (i, m) in self.e.mentions.iter().enumerate().skip(first) {
                work::add(1);
                if m.tokens.start >= hi {
                    break;
                }
                if !m.nested && m.tokens.end <= hi && !m.targets.is_empty() {
                    found.push(i);
                }
            }
            found
        };
        let body = in_range(colon + 1, sent.tokens.end);
        let label = in_range(sent.tokens.start, colon);
        let clause_subject = self.e.subjects[si]
            .iter()
            .flatten()
            .find(|&&m| self.e.mentions[m].tokens.start > colon)
            .and_then(|&m| self.e.mentions[m].targets.first().copied())
            .filter(|&t| self.e.entities[t].kind.is_actor());
        let subject = clause_subject.or_else(|| {
            body.iter()
                .flat_map(|&m| self.e.mentions[m].targets.clone())
                .filter(|&t| self.e.entities[t].kind.is_actor())
                .max_by_key(|&t| (self.e.salience[t], std::cmp::Reverse(t)))
        });
        let Some(s) = subject else { return vec![] };
        let object =
            label.iter().chain(body.iter()).flat_map(|&m| self.e.mentions[m].targets.clone()).find(|&t| t != s);
        let Some(o) = object else { return vec![] };
        let (negated, modality) = self.polarity(si, colon + 1, None);
        let c = Candidate {
            subject: s,
            predicate: trig.predicate.get_ref().clone(),
            object: o,
            negated,
            modality,
            confidence: trig.confidence * 0.7,
            rule: format!("lead-in/{}", trig.id),
            sentence: si,
            origin: None,
        };
        self.typed(vec![c])
    }

    /// "Gwadar, a port city in Balochistan province" → locatedIn; "the Quad, the grouping
    /// of India, the United States, Japan and Australia" → memberOf.
    fn appositions(&self, si: usize) -> Vec<Candidate> {
        let syn = &self.e.syntax[si];
        let g = &self.lex.grammar;
        let mut out = Vec::new();
        for skip in &syn.skips {
            if self.a.tokens[skip.start].lower != "," || skip.start == 0 {
                continue;
            }
            let Some(anchor) = self.e.mention_covering(skip.start - 1) else {
                continue;
            };
            let Some(&a) = self.e.mentions[anchor].targets.first() else {
                continue;
            };
            let first = skip.start + 1;
            if first >= skip.end || !matches!(self.a.tokens[first].lower.as_str(), "a" | "an" | "the") {
                continue;
            }
            let end = skip.end.min(self.a.sentences[si].tokens.end);
            let words: Vec<usize> = (first + 1..end).take(6).collect();
            for &j in &words {
                let w = self.a.tokens[j].lower.as_str();
                let next = self.a.tokens.get(j + 1).map(|t| t.lower.as_str());
                let (predicate, reverse) = if g.location_nouns.iter().any(|x| x == w) && next == Some("in") {
                    ("locatedIn", false)
                } else if g.membership_nouns.iter().any(|x| x == w) && next == Some("of") {
                    ("memberOf", true)
                } else {
                    continue;
                };
                let Some(m) = self.e.mention_starting_at(j + 2).or_else(|| self.e.mention_starting_at(j + 3)) else {
                    break;
                };
                let arg = self.arg_of(&self.group(m));
                for &b in &arg.targets {
                    let (s, o) = if reverse { (b, a) } else { (a, b) };
                    out.push(Candidate {
                        subject: s,
                        predicate: predicate.into(),
                        object: o,
                        negated: false,
                        modality: Modality::Asserted,
                        confidence: 0.75,
                        rule: format!("apposition/{predicate}"),
                        sentence: si,
                        origin: None,
                    });
                }
                break;
            }
        }
        self.typed(out)
    }

    /// People's titles: "Turkish President Recep Tayyip Erdogan" → leaderOf turkey.
    fn roles(&self, si: usize) -> Vec<Candidate> {
        let mut out = Vec::new();
        for &ri in &self.roles_of[si] {
            work::add(1);
            let r = &self.e.roles[ri];
            let pm = &self.e.mentions[r.person];
            for &p in &pm.targets {
                for &o in &r.targets {
                    out.push(Candidate {
                        subject: p,
                        predicate: r.predicate.clone(),
                        object: o,
                        negated: false,
                        modality: Modality::Asserted,
                        confidence: if r.affiliation.is_some() { 0.9 } else { 0.6 },
                        rule: format!("title/{}", r.predicate),
                        sentence: si,
                        origin: None,
                    });
                }
            }
        }
        self.typed(out)
    }

    /// Drops relations made redundant by a stronger one on the same pair in the sentence.
    fn subsume(&self, cands: &mut Vec<Candidate>) {
        // Per unordered pair of entities, the predicates its candidates subsume: one pass
        // to gather, one to filter, however many candidates a sentence has.
        let mut subsumed: FxHashMap<(usize, usize), Vec<&str>> = FxHashMap::default();
        for d in cands.iter() {
            work::add(1);
            if let Some(p) = self.lex.predicate(&d.predicate).filter(|p| !p.subsumes.is_empty()) {
                let pair = (d.subject.min(d.object), d.subject.max(d.object));
                subsumed.entry(pair).or_default().extend(p.subsumes.iter().map(|s| s.get_ref().as_str()));
            }
        }
        if subsumed.is_empty() {
            return;
        }
        cands.retain(|c| {
            let pair = (c.subject.min(c.object), c.subject.max(c.object));
            !subsumed.get(&pair).is_some_and(|ps| ps.contains(&c.predicate.as_str()))
        });
    }

    /// One relation per (subject, predicate, object, negated), with all its evidence.
    fn merge(&self, cands: Vec<Candidate>) -> Vec<Relation> {
        let mut by_key: BTreeMap<(usize, String, usize, bool), usize> = BTreeMap::new();
        let mut out: Vec<(Relation, usize)> = Vec::new();
        for c in cands {
            work::add(1);
            let (mut s, mut o) = (c.subject, c.object);
            let symmetric = self.lex.predicate(&c.predicate).is_some_and(|p| p.symmetric);
            if symmetric && self.e.entities[s].id > self.e.entities[o].id {
                std::mem::swap(&mut s, &mut o);
            }
            let key = (s, c.predicate.clone(), o, c.negated);
            let sent = &self.a.sentences[c.sentence];
            let ev = Evidence {
                sentence: c.sentence,
                start: sent.start,
                end: sent.end,
                text: self.text[sent.start..sent.end].to_string(),
            };
            match by_key.get(&key) {
                Some(&i) => {
                    let (r, last) = &mut out[i];
                    // Candidates come in sentence order: a repeated sentence is the last one.
                    if *last != c.sentence {
                        *last = c.sentence;
                        r.evidence.push(ev);
                    }
                    r.confidence = r.confidence.max(round2(c.confidence));
                    if c.modality == Modality::Asserted {
                        r.modality = Modality::Asserted;
                    }
                }
                None => {
                    by_key.insert(key, out.len());
                    out.push((
                        Relation {
                            subject: self.e.entities[s].id.clone(),
                            predicate: c.predicate,
                            object: self.e.entities[o].id.clone(),
                            negated: c.negated,
                            modality: c.modality,
                            confidence: round2(c.confidence),
                            rule: c.rule,
                            evidence: vec![ev],
                        },
                        c.sentence,
                    ));
                }
            }
        }
        out.into_iter().map(|(r, _)| r).collect()
    }
}

fn round2(x: f32) -> f32 {
    (x.clamp(0.0, 1.0) * 100.0).round() / 100.0
}

#[cfg(test)]
mod tests {
    use crate::article::{self, Format, GivenMeta};
    use crate::model::Modality;
    use crate::Extractor;
    use std::sync::OnceLock;

    fn ex() -> &'static Extractor {
        static EX: OnceLock<Extractor> = OnceLock::new();
        EX.get_or_init(|| Extractor::embedded().unwrap())
    }

    /// Relations of `text` as "subject predicate object[ !]" (with "?" for non-asserted).
    fn rels(text: &str) -> Vec<String> {
        let (a, _) = article::parse(text.to_string(), "t", Format::Plain, &GivenMeta::default());
        let x = ex().extract(&a);
        let mut v: Vec<String> = x
            .relations
            .iter()
            .map(|r| {
                format!(
                    "{} {} {}{}{}",
                    r.subject,
                    r.predicate,
                    r.object,
                    if r.negated { " !" } else { "" },
                    if r.modality == Modality::Asserted { "" } else { " ?" }
                )
            })
            .collect();
        v.sort();
        v
    }

    #[test]
    fn active_verb() {
        assert_eq!(rels("Russia recognized the Taliban on Thursday."), ["russia recognizes taliban"]);
    }

    #[test]
    fn passive_verb() {
        assert_eq!(rels("Iran was condemned by France."), ["france criticizes iran"]);
        // A passive without its agent names no subject.
        assert_eq!(rels("Iran was condemned at the meeting."), Vec::<String>::new());
    }

    #[test]
    fn nominalisations() {
        assert_eq!(rels("Moscow's recognition of the Taliban surprised many."), ["russia recognizes taliban"]);
        assert_eq!(rels("The EU imposed sanctions on Iran."), ["european-union sanctions iran"]);
        assert_eq!(rels("Observers noted the Taliban's control over Afghanistan."), ["taliban controls afghanistan"]);
    }

    #[test]
    fn passive_with_prepositional_object() {
        assert_eq!(
            rels("Observers noted the sanctions imposed by the EU on Iran last year."),
            ["european-union sanctions iran"]
        );
        assert_eq!(rels("The agreement was signed by France and Germany."), ["france signsAgreementWith germany"]);
    }

    #[test]
    fn copular_nominal() {
        assert_eq!(rels("India is a member of the Quad."), ["india memberOf quadrilateral-security-dialogue"]);
        assert_eq!(rels("Russia has a strategic interest in Central Asia."), ["russia hasInterestIn central-asia"]);
    }

    #[test]
    fn coordination_on_both_sides() {
        assert_eq!(rels("France and Germany condemned Iran."), ["france criticizes iran", "germany criticizes iran"]);
        assert_eq!(rels("Canada sanctioned Iran and Syria."), ["canada sanctions iran", "canada sanctions syria"]);
        assert_eq!(
            rels("Japan, South Korea and the United States held talks."),
            ["japan meetsWith south-korea", "japan meetsWith united-states", "south-korea meetsWith united-states"]
        );
    }

    #[test]
    fn reported_speech_states_the_reported_relation() {
        assert_eq!(rels("Kyiv said Russian drones had struck Poland."), ["russia attacks poland"]);
    }

    #[test]
    fn relative_clauses() {
        assert_eq!(
            rels("Turkey, which has mediated between Moscow and Kyiv, stayed quiet."),
            ["turkey mediates russia", "turkey mediates ukraine"]
        );
        assert_eq!(rels("Crimea, which Moscow annexed in 2014, remains disputed."), ["russia controls crimea"]);
    }

    #[test]
    fn negation() {
        assert_eq!(rels("Russia hasn't explicitly endorsed the Taliban."), ["russia endorses taliban !"]);
        assert_eq!(rels("Paris has refused to recognise the Taliban."), ["france recognizes taliban !"]);
        assert_eq!(rels("China declined to condemn Russia."), ["china criticizes russia !"]);
        assert_eq!(rels("India stopped short of an alliance with Japan."), ["india alliedWith japan !"]);
    }

    #[test]
    fn modality() {
        assert_eq!(rels("Germany would deliver tanks to Ukraine."), ["germany providesAidTo ukraine ?"]);
        assert_eq!(rels("If talks fail, Israel will attack Iran."), ["israel attacks iran ?"]);
        assert_eq!(rels("Germany delivered tanks to Ukraine."), ["germany providesAidTo ukraine"]);
    }

    #[test]
    fn appositions_and_titles() {
        assert_eq!(rels("Gwadar, a port city in Balochistan province, is booming."), ["gwadar locatedIn balochistan"]);
        assert_eq!(rels("Turkish President Recep Tayyip Erdogan spoke."), ["recep-tayyip-erdogan leaderOf turkey"]);
        assert_eq!(rels("Kremlin spokesman Dmitry Peskov spoke."), ["dmitry-peskov memberOf russia"]);
    }

    #[test]
    fn unit_nouns_turn_leadership_into_membership() {
        assert_eq!(rels("Ukraine's team was led by Rustem Umerov."), ["rustem-umerov memberOf ukraine"]);
    }

    #[test]
    fn bullet_lead_in_states_the_predicate() {
        let text = "Russia acted again. Russia spoke.\n\n  • Economic Interests: Access to Afghanistan's minerals is a key motivator for Russia.\n";
        assert_eq!(rels(text), ["russia hasInterestIn afghanistan"]);
    }

    #[test]
    fn event_anaphors_point_to_the_lead_event() {
        let text = "North Korea test-fired a missile on Monday. Japan condemned the launch.";
        assert_eq!(rels(text), ["japan criticizes north-korea"]);
    }

    #[test]
    fn temporal_conjunctions_open_clauses_only_before_a_clause() {
        let text = "Israel struck Lebanon hours after Hezbollah fired rockets at Israel.";
        assert_eq!(rels(text), ["hezbollah attacks israel", "israel attacks lebanon"]);
        let text = "The junta has controlled Niger since the coup and is led by General Abdourahamane Tiani.";
        assert!(rels(text).contains(&"abdourahamane-tiani leaderOf niger-junta".to_string()), "{:?}", rels(text));
    }

    #[test]
    fn event_anaphors_prefer_the_event_named_by_the_same_word() {
        let text = "Israel launched airstrikes on Hezbollah. Hezbollah fired rockets at Israel. Lebanon condemned the strikes.";
        assert!(rels(text).contains(&"lebanon criticizes israel".to_string()));
        assert!(!rels(text).contains(&"lebanon criticizes hezbollah".to_string()));
    }

    #[test]
    fn his_country_is_the_state_his_title_names() {
        // Not the country of the sentence before: the one "Kenyan Foreign Minister" names.
        let text = "Kenyan Foreign Minister Musalia Mudavadi visited Moscow on Monday. Mudavadi said his country recognised the Taliban.";
        let found = rels(text);
        assert!(found.contains(&"kenya recognizes taliban".to_string()), "{found:?}");
        assert!(!found.contains(&"russia recognizes taliban".to_string()), "{found:?}");
    }

    #[test]
    fn coreference_prefers_the_nearest_sentence() {
        let text = "The Israeli military said it hit targets. Iran, Hezbollah's backer, warned Israel. Tehran has supplied the group with rockets.";
        assert!(rels(text).contains(&"iran providesAidTo hezbollah".to_string()), "{:?}", rels(text));
    }

    #[test]
    fn noun_uses_of_verbs_are_not_verbs() {
        assert_eq!(rels("The Taliban's de facto control, Russia said, is real."), Vec::<String>::new());
        assert_eq!(
            rels("Every drone that hits a Ukrainian apartment block carries an Iranian fingerprint."),
            Vec::<String>::new()
        );
    }

    #[test]
    fn types_are_checked() {
        // leaderOf wants a person as subject.
        assert_eq!(rels("Russia led Belarus."), Vec::<String>::new());
    }
}

//! A deterministic generator of articles of the genre, built from the gazetteer and the
//! lexicon, so throughput can be measured and reproduced without downloading a corpus.
//! Sentences vary in actors, triggers, constructions, negation and filler.

use crate::extract::Extractor;
use crate::lexicon::{inflect, Form, TriggerKind};
use crate::model::EntityType;

/// A small, fast, deterministic pseudo-random generator (xorshift64*).
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    /// Seeds the generator (a zero seed is replaced by a fixed constant).
    pub fn new(seed: u64) -> Rng {
        Rng(if seed == 0 { 0x9E37_79B9_7F4A_7C15 } else { seed })
    }

    /// Next value.
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A value below `n` (n > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

const FILLER: &[&str] = &[
    "Officials gave no timetable for the next steps.",
    "Analysts said the decision reflected a broader shift in the region.",
    "The announcement came after weeks of closed-door consultations.",
    "Markets reacted calmly to the news on Tuesday.",
    "Diplomats described the atmosphere as tense but constructive.",
    "The talks are expected to resume after the holiday.",
];

/// Generates `n` articles in the sample's layout, deterministic for a given `seed`.
pub fn articles(ex: &Extractor, n: usize, seed: u64) -> Vec<String> {
    let mut rng = Rng::new(seed);
    let actors: Vec<&str> = ex
        .gazetteer()
        .entries()
        .iter()
        .filter(|e| {
            matches!(e.kind, EntityType::Country | EntityType::InternationalOrganization | EntityType::ArmedGroup)
        })
        .map(|e| e.label.as_str())
        .collect();
    let lex = ex.lexicon();
    let verbs: Vec<(String, String)> = lex
        .triggers
        .iter()
        .filter(|t| {
            t.kind == TriggerKind::Verb && t.particle.is_empty() && t.requires.is_empty() && t.context.is_empty()
        })
        .flat_map(|t| {
            let prep = t.objects.iter().find(|o| !o.is_empty()).cloned().unwrap_or_default();
            t.forms.iter().filter_map(move |l| {
                inflect(l).into_iter().find(|(_, f)| *f == Form::Past).map(|(w, _)| (w, prep.clone()))
            })
        })
        .collect();
    let nouns: Vec<(String, String)> = lex
        .triggers
        .iter()
        .filter(|t| t.kind == TriggerKind::Noun && !t.objects.is_empty())
        .flat_map(|t| t.forms.iter().map(move |f| (f.clone(), t.objects[0].clone())))
        .collect();
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let a = *rng.pick(&actors);
        let b = *rng.pick(&actors);
        let mut body = String::new();
        let paragraphs = 3 + rng.below(4);
        for p in 0..paragraphs {
            let sentences = 2 + rng.below(4);
            for _ in 0..sentences {
                let x = if rng.below(3) == 0 { a } else { *rng.pick(&actors) };
                let y = if rng.below(3) == 0 { b } else { *rng.pick(&actors) };
                let s = match rng.below(6) {
                    0 | 1 => {
                        let (v, prep) = rng.pick(&verbs);
                        let neg = if rng.below(8) == 0 { "has not " } else { "" };
                        let sep = if prep.is_empty() { String::new() } else { format!("{prep} ") };
                        format!("{x} {neg}{v} {sep}{y} on Monday, officials said.")
                    }
                    2 => {
                        let (noun, prep) = rng.pick(&nouns);
                        format!("{x}'s {noun} {prep} {y} drew wide attention.")
                    }
                    3 => {
                        let (noun, prep) = rng.pick(&nouns);
                        format!("In a statement, {x} and {y} discussed the {noun} {prep} the region.")
                    }
                    _ => rng.pick(FILLER).to_string(),
                };
                body.push_str(&s);
                body.push(' ');
            }
            body.push_str("\n\n");
            if p == 0 {
                body.push_str("Regional Reactions\n\n");
            }
        }
        out.push(format!(
            "{a} and {b} in Focus, Report {i}\n\nPublished on March {:02}, 2026\n{a} and {b} in Focus, Report {i},{a}, {b}, diplomacy\n\n{body}",
            1 + i % 28
        ));
    }
    out
}

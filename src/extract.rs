//! The extraction pipeline: article → text → mentions/entities → relations. Pure: no
//! I/O, never fails on content; what it cannot use it reports as diagnostics.

use crate::article::Article;
use crate::data::{DataError, DataFiles};
use crate::gazetteer::Gazetteer;
use crate::lexicon::Lexicon;
use crate::mentions::{self, MentionKind};
use crate::model::{Diagnostic, Entity, Extraction, MentionOut};
use crate::{relations, text};

/// Holds the loaded gazetteer and lexicon; extracts any number of articles.
#[derive(Debug)]
pub struct Extractor {
    gazetteer: Gazetteer,
    lexicon: Lexicon,
}

impl Extractor {
    /// Loads the gazetteer and lexicon from `files`; errors name the file and line.
    pub fn new(files: &DataFiles) -> Result<Extractor, DataError> {
        Ok(Extractor { gazetteer: Gazetteer::load(files)?, lexicon: Lexicon::load(files)? })
    }

    /// An extractor with the data embedded at build time.
    pub fn embedded() -> Result<Extractor, DataError> {
        Extractor::new(&DataFiles::embedded())
    }

    /// The gazetteer in use.
    pub fn gazetteer(&self) -> &Gazetteer {
        &self.gazetteer
    }

    /// The lexicon in use.
    pub fn lexicon(&self) -> &Lexicon {
        &self.lexicon
    }

    /// Extracts the entities and relations of one article. All relations are returned,
    /// whatever their modality; callers choose which to keep.
    pub fn extract(&self, article: &Article) -> Extraction {
        let text = article.text.as_str();
        let mut diagnostics: Vec<Diagnostic> = Vec::new();
        let analysis = text::analyse(text, article.body.clone());
        if analysis.tokens.is_empty() {
            diagnostics.push(Diagnostic::warning("the article has no text to extract from", Some(article.body.start)));
        }
        let ents = mentions::find(text, &analysis, &self.gazetteer, &self.lexicon);
        let relations = relations::find(text, &analysis, &ents, &self.lexicon);
        let mut entities: Vec<(usize, Entity)> = Vec::new();
        // One pass over the mentions, bucketed by the entity they name.
        let mut by_entity: Vec<Vec<MentionOut>> = vec![Vec::new(); ents.entities.len()];
        for m in ents.mentions.iter().filter(|m| m.kind != MentionKind::Event && !m.name.is_empty()) {
            let (start, end) = (analysis.tokens[m.name.start].start, analysis.tokens[m.name.end - 1].end);
            for &i in &m.targets {
                by_entity[i].push(MentionOut { text: text[start..end].to_string(), start, end, sentence: m.sentence });
            }
        }
        for (e, mut out) in ents.entities.iter().zip(by_entity) {
            if out.is_empty() {
                continue;
            }
            out.sort_by_key(|m| m.start);
            out.dedup();
            let first = out[0].start;
            entities.push((
                first,
                Entity {
                    id: e.id.clone(),
                    label: e.label.clone(),
                    kind: e.kind,
                    codes: e.codes.clone(),
                    mentions: out,
                },
            ));
        }
        entities.sort_by_key(|(first, _)| *first);
        Extraction {
            article: article.meta.clone(),
            entities: entities.into_iter().map(|(_, e)| e).collect(),
            relations,
            diagnostics,
        }
    }
}

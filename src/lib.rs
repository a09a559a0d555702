//! newskg turns news articles about international relations into a knowledge graph:
//! who did what to whom, with the sentence that says so.
//!
//! The pipeline flows one way (see ARCHITECTURE.md): [`input`] reads files into
//! documents, [`article`] parses their header, [`text`] splits sentences and tokens,
//! [`mentions`] finds entities and what refers to them, [`relations`] finds typed
//! relations; [`extract`] runs the stages, [`eval`] scores them against gold files;
//! [`pipeline`] runs them on every core in input order, [`generate`] makes test corpora.
//! [`rdf`] maps extractions to RDF, [`store`] keeps them in an on-disk oxigraph store,
//! [`query`] runs SPARQL and [`shacl`] validates the graph; [`graph`] projects the store
//! into an entity graph, [`layout`] places it and [`export`] writes it for other tools;
//! [`server`] serves the store, SPARQL and the explorer over HTTP. Beyond one machine,
//! [`shards`] writes sharded N-Quads for bulk loaders and [`push`] sends the store's
//! graphs to a remote SPARQL store.
//! Behaviour users want to change lives in data ([`gazetteer`], [`lexicon`]).

/// Declares an error that is one message phrased for the user (what went wrong, what to
/// do), the form the library's I/O modules report in.
macro_rules! message_error {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug)]
        pub struct $name(pub String);

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl std::error::Error for $name {}
    };
}

pub mod article;
pub mod data;
pub mod eval;
pub mod export;
pub mod extract;
pub mod gazetteer;
pub mod generate;
pub mod graph;
pub mod input;
pub mod layout;
pub mod lexicon;
pub mod mentions;
pub mod model;
pub mod pipeline;
pub mod push;
pub mod query;
pub mod rdf;
pub mod relations;
pub mod server;
pub mod shacl;
pub mod shards;
pub mod store;
pub mod syntax;
pub mod text;
pub mod work;

pub use extract::Extractor;

/// A fresh, empty scratch folder for one unit test.
#[cfg(test)]
pub(crate) fn scratch_dir(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("newskg-unit-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

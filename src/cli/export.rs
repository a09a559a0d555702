//! `newskg export`: the entity graph for other tools, and the filters it shares with the
//! server.

use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use clap::builder::{PossibleValue, PossibleValuesParser};
use clap::{Args, ValueEnum};

use newskg::export::{self, Drawing, Format};
use newskg::gazetteer::Gazetteer;
use newskg::graph::{self, Affiliations, Aggregate, EntityGraph, Filter};
use newskg::store::KgStore;

/// Which part of the graph to draw: the same options for every format and the server.
#[derive(Args, Clone, Debug, Default)]
pub struct FilterArgs {
    /// Keep only these relations (predicate names such as recognizes, hasInterestIn;
    /// repeat the flag or separate with commas).
    #[arg(long, value_name = "NAME", value_delimiter = ',')]
    pub predicate: Vec<String>,
    /// Keep only entities of these types (Country, InternationalOrganization, ArmedGroup,
    /// PoliticalOrganization, Bloc, Region, City, Person, Resource, Topic); a relation
    /// needs both ends kept.
    #[arg(long = "type", value_name = "TYPE", value_delimiter = ',')]
    pub types: Vec<String>,
    /// Keep only what these articles say: a content hash (or its first 8+ characters) or
    /// the article's source path as given to `build`.
    #[arg(long, value_name = "ARTICLE", value_delimiter = ',')]
    pub article: Vec<String>,
    /// Keep only articles dated on or after this day (YYYY-MM-DD); undated ones are left out.
    #[arg(long, value_name = "DAY")]
    pub since: Option<String>,
    /// Keep only articles dated on or before this day (YYYY-MM-DD).
    #[arg(long, value_name = "DAY")]
    pub until: Option<String>,
    /// Keep only statements at least this confident (0 to 1).
    #[arg(long, value_name = "X", default_value_t = 0.0)]
    pub min_confidence: f64,
    /// Also draw denied relations ("Russia does not endorse…") as distinct, dashed edges
    /// marked negated.
    #[arg(long)]
    pub include_negated: bool,
    /// Draw only the neighbourhood of this entity (its id, e.g. russia, or its name).
    #[arg(long, value_name = "ID")]
    pub entity: Option<String>,
    /// With --entity: how many hops around it.
    #[arg(long, value_name = "N", default_value_t = 1, requires = "entity")]
    pub depth: usize,
    /// state: fold people and bodies into the state they act for (a minister into his
    /// country, a state force into its state).
    #[arg(long, value_enum, value_name = "HOW")]
    pub aggregate: Option<AggregateArg>,
    /// Also draw entities the kept articles mention but no kept relation connects.
    #[arg(long)]
    pub isolated: bool,
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum AggregateArg {
    State,
}

impl FilterArgs {
    pub fn to_filter(&self) -> Filter {
        Filter {
            predicates: self.predicate.clone(),
            types: self.types.clone(),
            articles: self.article.clone(),
            since: self.since.clone(),
            until: self.until.clone(),
            min_confidence: self.min_confidence,
            include_negated: self.include_negated,
            entity: self.entity.clone(),
            depth: self.depth,
            aggregate: match self.aggregate {
                Some(AggregateArg::State) => Aggregate::State,
                None => Aggregate::None,
            },
            isolated: self.isolated,
        }
    }
}

/// `--format` takes the library's format names, each with its description, plus `all`.
pub fn format_parser() -> PossibleValuesParser {
    let formats = Format::ALL.into_iter().map(|f| PossibleValue::new(f.name()).help(f.description()));
    PossibleValuesParser::new(
        formats.chain([PossibleValue::new("all").help("every format, into the folder given by -o DIR")]),
    )
}

/// Projects the store through the filter; folding uses the gazetteer when asked.
pub fn entity_graph(store: &KgStore, filter: &Filter, gazetteer: Option<&Gazetteer>) -> Result<EntityGraph> {
    let records = store.graph_records()?;
    let affiliations = gazetteer.map(Affiliations::from_gazetteer).unwrap_or_default();
    Ok(graph::project(&records, filter, &affiliations)?)
}

fn create(path: &Path) -> Result<BufWriter<File>> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        fs::create_dir_all(dir).with_context(|| format!("cannot create the folder {}", dir.display()))?;
    }
    Ok(BufWriter::new(File::create(path).with_context(|| format!("cannot write {}", path.display()))?))
}

fn write_neo4j(d: &Drawing<'_>, dir: &Path) -> Result<Vec<PathBuf>> {
    fs::create_dir_all(dir).with_context(|| format!("cannot create the folder {}", dir.display()))?;
    let paths = [dir.join("nodes.csv"), dir.join("relationships.csv"), dir.join("import.cypher")];
    let (mut n, mut r, mut c) = (create(&paths[0])?, create(&paths[1])?, create(&paths[2])?);
    export::write_neo4j(d, &mut n, &mut r, &mut c)?;
    for w in [&mut n, &mut r, &mut c] {
        w.flush()?;
    }
    Ok(paths.to_vec())
}

fn write_one(format: Format, d: &Drawing<'_>, path: &Path) -> Result<Vec<PathBuf>> {
    if format.is_folder() {
        return write_neo4j(d, path);
    }
    let mut w = create(path)?;
    export::write(format, d, &mut w).with_context(|| format!("cannot write {}", path.display()))?;
    w.flush().with_context(|| format!("cannot write {}", path.display()))?;
    Ok(vec![path.to_path_buf()])
}

/// Runs `export`; the caller prints nothing else on stdout.
/// `format` is a name `format_parser` accepts: a format, or `all`.
pub fn run(g: &EntityGraph, format: &str, output: Option<&Path>) -> Result<()> {
    if g.edge_count() == 0 {
        eprintln!(
            "newskg: warning: the filters keep no relation; the export has {} entities and no edges",
            g.node_count()
        );
    }
    let drawing = Drawing::new(g);
    let written = match (Format::from_name(format), output) {
        (None, Some(dir)) => {
            let mut all = Vec::new();
            for f in Format::ALL {
                all.extend(write_one(f, &drawing, &dir.join(f.file_name()))?);
            }
            all
        }
        (None, None) => bail!("--format all writes {} files: give a folder with -o DIR", Format::ALL.len() + 2),
        (Some(f), None) if f.is_folder() => {
            bail!("--format neo4j writes nodes.csv, relationships.csv and import.cypher: give a folder with -o DIR")
        }
        (Some(f), None) => {
            let stdout = io::stdout();
            let mut out = BufWriter::new(stdout.lock());
            match export::write(f, &drawing, &mut out).and_then(|()| out.flush()) {
                Err(e) if e.kind() == io::ErrorKind::BrokenPipe => {}
                r => r?,
            }
            Vec::new()
        }
        (Some(f), Some(path)) => {
            let path = if path.is_dir() && !f.is_folder() { path.join(f.file_name()) } else { path.to_path_buf() };
            write_one(f, &drawing, &path)?
        }
    };
    for p in &written {
        eprintln!("wrote {}", p.display());
    }
    eprintln!("{} entities, {} relations", g.node_count(), g.edge_count());
    Ok(())
}

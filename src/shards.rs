//! Sharded N-Quads for bulk loaders and for extraction run as independent jobs.
//!
//! A corpus too large for one machine is extracted in slices, each slice into a folder of
//! N-Quads files that any store's bulk loader reads (`oxigraph load`, QLever's index
//! builder, Virtuoso's `ld_dir`, GraphDB's `importrdf`, the Neptune bulk loader). Each
//! article's quads are exactly those a store built by `newskg build` holds for it (one
//! named graph per article); the ontology is written once, to its own file, so loading
//! the output of many jobs never loads it twice under different blank-node labels.
//!
//! The output is deterministic: the same inputs, base and `generated_at` give
//! byte-identical files, so a job that is run again produces the same checksums. Files
//! appear under their final names only when complete (written as `.part`, then renamed)
//! and `manifest.json` is written last: a folder without a manifest is an unfinished job.

use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::rdf::NQuads;

/// The manifest's file name.
pub const MANIFEST: &str = "manifest.json";
/// The ontology's file name.
pub const ONTOLOGY_FILE: &str = "ontology.nq";

/// The file name of shard `n` (`shard-00000.nq`).
pub fn shard_file(n: usize) -> String {
    format!("shard-{n:05}.nq")
}

message_error!(
    /// A shard folder error, phrased for the user.
    ShardError
);

fn io_err(path: &Path, e: io::Error) -> ShardError {
    ShardError(format!("cannot write {}: {e}", path.display()))
}

/// One file of the output, as the manifest lists it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileEntry {
    /// File name, relative to the manifest's folder.
    pub file: String,
    /// Articles (named graphs) in the file; 0 for the ontology.
    pub articles: usize,
    /// Triples in the file (each in its named graph: one N-Quads line each).
    pub triples: usize,
    pub bytes: u64,
    /// SHA-256 of the file, lowercase hex (`sha256sum -c` style check).
    pub sha256: String,
}

/// Totals over the folder.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Totals {
    pub shards: usize,
    pub articles: usize,
    /// Triples of every file, the ontology's included: what a store holds after loading
    /// them all.
    pub triples: usize,
    /// Articles left out because an identical one (same content hash) came earlier.
    pub duplicates: usize,
}

/// `manifest.json`: what each file holds and how to check it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// The newskg version that wrote the folder.
    pub newskg_version: String,
    /// `application/n-quads`.
    pub media_type: String,
    /// The `prov:generatedAtTime` every article graph carries.
    pub generated_at: String,
    /// The base IRI of entities, articles and assertions.
    pub base: String,
    /// Articles per shard (the last shard may hold fewer).
    pub shard_size: usize,
    /// The named graph holding the ontology, and its file.
    pub ontology_graph: String,
    pub ontology: FileEntry,
    pub shards: Vec<FileEntry>,
    pub totals: Totals,
}

/// A file being written: bytes go to `NAME.part` and through the checksum.
struct Open {
    path: PathBuf,
    part: PathBuf,
    out: BufWriter<File>,
    hash: Sha256,
    entry: FileEntry,
}

impl Open {
    fn create(dir: &Path, name: &str) -> Result<Open, ShardError> {
        let path = dir.join(name);
        let part = dir.join(format!("{name}.part"));
        let file = File::create(&part).map_err(|e| io_err(&part, e))?;
        Ok(Open {
            path,
            part,
            out: BufWriter::new(file),
            hash: Sha256::new(),
            entry: FileEntry { file: name.to_string(), ..FileEntry::default() },
        })
    }

    fn write(&mut self, nq: &NQuads) -> Result<(), ShardError> {
        self.out.write_all(nq.text.as_bytes()).map_err(|e| io_err(&self.part, e))?;
        self.hash.update(nq.text.as_bytes());
        self.entry.bytes += nq.text.len() as u64;
        self.entry.triples += nq.quads;
        Ok(())
    }

    /// Flushes to disk and gives the file its final name.
    fn close(self) -> Result<FileEntry, ShardError> {
        let Open { path, part, out, hash, mut entry } = self;
        let file = out.into_inner().map_err(|e| io_err(&part, e.into_error()))?;
        file.sync_all().map_err(|e| io_err(&part, e))?;
        fs::rename(&part, &path).map_err(|e| io_err(&path, e))?;
        entry.sha256 = hex(&hash.finalize());
        Ok(entry)
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Writes a shard folder: the ontology, then articles in input order, `shard_size` per
/// file, then the manifest.
pub struct ShardWriter {
    dir: PathBuf,
    shard_size: usize,
    current: Option<Open>,
    manifest: Manifest,
}

impl ShardWriter {
    /// Starts writing into `dir` (created if missing). A folder that already holds a
    /// manifest or shards is refused unless `replace`, which removes them first, so a
    /// re-run never leaves shards of an older run beside the new ones.
    pub fn create(dir: &Path, shard_size: usize, replace: bool, manifest: Manifest) -> Result<ShardWriter, ShardError> {
        if shard_size == 0 {
            return Err(ShardError("--shard-size must be at least 1".into()));
        }
        fs::create_dir_all(dir).map_err(|e| ShardError(format!("cannot create the folder {}: {e}", dir.display())))?;
        let ours = previous_outputs(dir)?;
        if !ours.is_empty() {
            if !replace {
                return Err(ShardError(format!(
                    "{} already holds the output of an earlier run ({} and {} more): pass --force to replace it, or choose an empty folder",
                    dir.display(),
                    ours[0].display(),
                    ours.len() - 1
                )));
            }
            for p in &ours {
                fs::remove_file(p).map_err(|e| ShardError(format!("cannot remove {}: {e}", p.display())))?;
            }
        }
        Ok(ShardWriter {
            dir: dir.to_path_buf(),
            shard_size,
            current: None,
            manifest: Manifest { shard_size, ..manifest },
        })
    }

    /// Writes the ontology's file.
    pub fn write_ontology(&mut self, ontology: &NQuads) -> Result<(), ShardError> {
        let mut f = Open::create(&self.dir, ONTOLOGY_FILE)?;
        f.write(ontology)?;
        self.manifest.ontology = f.close()?;
        Ok(())
    }

    /// Appends one article's graph, opening the next shard when the current one is full.
    pub fn add(&mut self, article: &NQuads) -> Result<(), ShardError> {
        if self.current.as_ref().is_some_and(|f| f.entry.articles >= self.shard_size) {
            self.close_shard()?;
        }
        if self.current.is_none() {
            self.current = Some(Open::create(&self.dir, &shard_file(self.manifest.shards.len()))?);
        }
        let f = self.current.as_mut().expect("a shard is open");
        f.write(article)?;
        f.entry.articles += 1;
        Ok(())
    }

    /// Counts an article left out as a duplicate (it is named in the totals).
    pub fn skip_duplicate(&mut self) {
        self.manifest.totals.duplicates += 1;
    }

    fn close_shard(&mut self) -> Result<(), ShardError> {
        if let Some(f) = self.current.take() {
            self.manifest.shards.push(f.close()?);
        }
        Ok(())
    }

    /// Closes the last shard and writes the manifest; returns it.
    pub fn finish(mut self) -> Result<Manifest, ShardError> {
        self.close_shard()?;
        let m = &mut self.manifest;
        m.totals.shards = m.shards.len();
        m.totals.articles = m.shards.iter().map(|s| s.articles).sum();
        m.totals.triples = m.ontology.triples + m.shards.iter().map(|s| s.triples).sum::<usize>();
        let path = self.dir.join(MANIFEST);
        let part = self.dir.join(format!("{MANIFEST}.part"));
        let mut text = serde_json::to_string_pretty(&self.manifest).map_err(|e| ShardError(e.to_string()))?;
        text.push('\n');
        let mut file = File::create(&part).map_err(|e| io_err(&part, e))?;
        file.write_all(text.as_bytes()).and_then(|()| file.sync_all()).map_err(|e| io_err(&part, e))?;
        fs::rename(&part, &path).map_err(|e| io_err(&path, e))?;
        Ok(self.manifest)
    }
}

/// Files an earlier run left in `dir`: the manifest, the ontology, shards, unfinished
/// `.part` files. Nothing else in the folder is touched.
fn previous_outputs(dir: &Path) -> Result<Vec<PathBuf>, ShardError> {
    let mut out = Vec::new();
    let entries = fs::read_dir(dir).map_err(|e| ShardError(format!("cannot list {}: {e}", dir.display())))?;
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        let name = name.strip_suffix(".part").unwrap_or(&name);
        let shard = name
            .strip_prefix("shard-")
            .and_then(|r| r.strip_suffix(".nq"))
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
        if shard || name == MANIFEST || name == ONTOLOGY_FILE {
            out.push(e.path());
        }
    }
    out.sort();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nq(lines: &[&str]) -> NQuads {
        NQuads { text: lines.iter().map(|l| format!("{l}\n")).collect(), quads: lines.len() }
    }

    #[test]
    fn splits_by_article_and_checksums_each_file() {
        let dir = crate::scratch_dir("shards-split");
        let mut w = ShardWriter::create(&dir, 2, false, Manifest::default()).unwrap();
        w.write_ontology(&nq(&["<o> <p> <o> <g> ."])).unwrap();
        for i in 0..5 {
            w.add(&nq(&[&format!("<a{i}> <p> <b> <g{i}> ."), &format!("<a{i}> <q> <c> <g{i}> .")])).unwrap();
        }
        w.skip_duplicate();
        let m = w.finish().unwrap();
        let files: Vec<&str> = m.shards.iter().map(|s| s.file.as_str()).collect();
        assert_eq!(files, ["shard-00000.nq", "shard-00001.nq", "shard-00002.nq"]);
        assert_eq!(m.shards.iter().map(|s| s.articles).collect::<Vec<_>>(), [2, 2, 1]);
        assert_eq!(m.totals, Totals { shards: 3, articles: 5, triples: 11, duplicates: 1 });
        for s in m.shards.iter().chain([&m.ontology]) {
            let bytes = fs::read(dir.join(&s.file)).unwrap();
            assert_eq!(hex(&Sha256::digest(&bytes)), s.sha256);
            assert_eq!(bytes.len() as u64, s.bytes);
            assert_eq!(bytes.iter().filter(|b| **b == b'\n').count(), s.triples);
        }
        let read: Manifest = serde_json::from_slice(&fs::read(dir.join(MANIFEST)).unwrap()).unwrap();
        assert_eq!(read, m);
        assert!(!fs::read_dir(&dir).unwrap().flatten().any(|e| e.file_name().to_string_lossy().ends_with(".part")));
        let _ = fs::remove_dir_all(&dir);
    }

    #[test]
    fn an_earlier_run_is_replaced_only_when_asked() {
        let dir = crate::scratch_dir("shards-replace");
        let mut w = ShardWriter::create(&dir, 1, false, Manifest::default()).unwrap();
        for i in 0..3 {
            w.add(&nq(&[&format!("<a{i}> <p> <b> <g{i}> .")])).unwrap();
        }
        w.finish().unwrap();
        fs::write(dir.join("notes.txt"), "mine").unwrap();
        let e = ShardWriter::create(&dir, 1, false, Manifest::default()).err().unwrap();
        assert!(e.0.contains("--force"), "{e}");
        let mut w = ShardWriter::create(&dir, 5, true, Manifest::default()).unwrap();
        w.add(&nq(&["<a> <p> <b> <g> ."])).unwrap();
        w.finish().unwrap();
        let mut names: Vec<String> =
            fs::read_dir(&dir).unwrap().flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect();
        names.sort();
        assert_eq!(names, ["manifest.json", "notes.txt", "shard-00000.nq"]);
        let _ = fs::remove_dir_all(&dir);
    }
}

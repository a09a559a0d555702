//! A deterministic force-directed layout (Fruchterman–Reingold with gravity), shared by
//! every format that carries positions (GEXF, GraphML, SVG, the explorer), so a graph
//! looks the same wherever it is opened.
//!
//! Deterministic: start positions come from a hash of each node's id (not from its index,
//! so adding an entity does not reshuffle the others), and the arithmetic runs in a fixed
//! order. Linear per iteration: repulsion is only computed between nodes in neighbouring
//! grid cells. A last pass pushes apart nodes whose boxes (the node and its label)
//! overlap.

use std::collections::{BTreeSet, HashMap};

use petgraph::visit::EdgeRef;

use crate::graph::EntityGraph;

/// A node's place and the box it needs (its shape and its label), in pixels.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Placed {
    /// Centre of the node's shape.
    pub x: f64,
    pub y: f64,
}

/// The space a node takes around its centre: half the width, and how far up and down.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Extent {
    pub half_width: f64,
    pub above: f64,
    pub below: f64,
}

/// Layout settings.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Settings {
    /// The ideal edge length, in pixels.
    pub spacing: f64,
    /// Gap kept between node boxes.
    pub gap: f64,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings { spacing: 170.0, gap: 14.0 }
    }
}

/// 64-bit FNV-1a: a stable hash (std's hasher may change between releases).
fn fnv(s: &str, seed: u64) -> u64 {
    let mut h = 0xcbf2_9ce4_8422_2325u64 ^ seed;
    for b in s.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

fn unit(h: u64) -> f64 {
    (h >> 11) as f64 / (1u64 << 53) as f64
}

/// Positions for every node of `g` (by node index), with the top-left box corner at
/// (0, 0) or beyond. `extents` gives each node's box.
pub fn layout(g: &EntityGraph, extents: &[Extent], settings: Settings) -> Vec<Placed> {
    let n = g.node_count();
    if n == 0 {
        return Vec::new();
    }
    let k = settings.spacing;
    let spread = k * (n as f64).sqrt();
    let mut pos: Vec<(f64, f64)> = g
        .graph
        .node_weights()
        .map(|node| ((unit(fnv(&node.id, 1)) - 0.5) * spread, (unit(fnv(&node.id, 2)) - 0.5) * spread))
        .collect();
    // Undirected, deduplicated pairs: several relations between two entities pull once.
    let pairs: Vec<(usize, usize)> = g
        .graph
        .edge_references()
        .filter(|e| e.source() != e.target())
        .map(|e| {
            let (a, b) = (e.source().index(), e.target().index());
            (a.min(b), a.max(b))
        })
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();

    let iterations = if n <= 200 {
        400
    } else if n <= 5_000 {
        150
    } else {
        60
    };
    let cell = 2.0 * k;
    let mut disp = vec![(0.0f64, 0.0f64); n];
    let mut grid: HashMap<(i64, i64), Vec<usize>> = HashMap::new();
    for it in 0..iterations {
        let temperature = spread * 0.1 * (1.0 - it as f64 / iterations as f64) + k * 0.01;
        disp.iter_mut().for_each(|d| *d = (0.0, 0.0));
        grid.values_mut().for_each(Vec::clear);
        for (i, &(x, y)) in pos.iter().enumerate() {
            grid.entry(((x / cell).floor() as i64, (y / cell).floor() as i64)).or_default().push(i);
        }
        // Repulsion between nodes in the same or neighbouring cells.
        for (i, &(x, y)) in pos.iter().enumerate() {
            let (cx, cy) = ((x / cell).floor() as i64, (y / cell).floor() as i64);
            for gx in cx - 1..=cx + 1 {
                for gy in cy - 1..=cy + 1 {
                    let Some(list) = grid.get(&(gx, gy)) else { continue };
                    for &j in list {
                        if j == i {
                            continue;
                        }
                        let (mut dx, mut dy) = (x - pos[j].0, y - pos[j].1);
                        let mut d2 = dx * dx + dy * dy;
                        if d2 < 1e-6 {
                            // Coincident: separate along a direction fixed by the pair.
                            let a = unit(fnv(&g.graph[petgraph::graph::NodeIndex::new(i)].id, j as u64))
                                * std::f64::consts::TAU;
                            (dx, dy, d2) = (a.cos() * 0.01, a.sin() * 0.01, 1e-4);
                        }
                        if d2 > cell * cell {
                            continue;
                        }
                        let f = k * k / d2;
                        disp[i].0 += dx * f;
                        disp[i].1 += dy * f;
                    }
                }
            }
        }
        // Attraction along edges.
        for &(a, b) in &pairs {
            let (dx, dy) = (pos[a].0 - pos[b].0, pos[a].1 - pos[b].1);
            let d = (dx * dx + dy * dy).sqrt();
            let f = d / k;
            disp[a].0 -= dx * f;
            disp[a].1 -= dy * f;
            disp[b].0 += dx * f;
            disp[b].1 += dy * f;
        }
        // Gravity keeps separate components together.
        for (i, &(x, y)) in pos.iter().enumerate() {
            disp[i].0 -= x * 0.05;
            disp[i].1 -= y * 0.05;
        }
        for (p, &(dx, dy)) in pos.iter_mut().zip(&disp) {
            let len = (dx * dx + dy * dy).sqrt();
            if len > 0.0 {
                let step = len.min(temperature);
                p.0 += dx / len * step;
                p.1 += dy / len * step;
            }
        }
    }
    remove_overlaps(&mut pos, extents, settings.gap);

    let min_x = pos.iter().zip(extents).map(|(p, e)| p.0 - e.half_width).fold(f64::INFINITY, f64::min);
    let min_y = pos.iter().zip(extents).map(|(p, e)| p.1 - e.above).fold(f64::INFINITY, f64::min);
    pos.iter().map(|&(x, y)| Placed { x: round(x - min_x), y: round(y - min_y) }).collect()
}

/// Two decimals: positions are the same text in every format.
fn round(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}

/// Pushes overlapping boxes apart along the axis where they overlap least, until no two
/// overlap (or a pass limit for huge graphs). Sweep over x: only boxes whose x-ranges meet
/// are compared.
fn remove_overlaps(pos: &mut [(f64, f64)], extents: &[Extent], gap: f64) {
    let n = pos.len();
    let max_half = extents.iter().map(|e| e.half_width).fold(0.0, f64::max);
    for _pass in 0..200 {
        let mut order: Vec<usize> = (0..n).collect();
        order.sort_by(|&a, &b| {
            (pos[a].0 - extents[a].half_width).total_cmp(&(pos[b].0 - extents[b].half_width)).then(a.cmp(&b))
        });
        let mut moved = false;
        for (oi, &a) in order.iter().enumerate() {
            for &b in &order[oi + 1..] {
                let left_b = pos[b].0 - extents[b].half_width;
                if left_b > pos[a].0 + extents[a].half_width + gap + 2.0 * max_half {
                    break;
                }
                let (ea, eb) = (extents[a], extents[b]);
                let ox = (ea.half_width + eb.half_width + gap) - (pos[a].0 - pos[b].0).abs();
                // Vertical: a's box is [y - above, y + below].
                let (top_a, bot_a) = (pos[a].1 - ea.above, pos[a].1 + ea.below);
                let (top_b, bot_b) = (pos[b].1 - eb.above, pos[b].1 + eb.below);
                let oy = bot_a.min(bot_b) - top_a.max(top_b) + gap;
                if ox <= 0.0 || oy <= 0.0 {
                    continue;
                }
                moved = true;
                if ox < oy {
                    let dir = if pos[a].0 < pos[b].0 || (pos[a].0 == pos[b].0 && a < b) { -1.0 } else { 1.0 };
                    pos[a].0 += dir * ox / 2.0;
                    pos[b].0 -= dir * ox / 2.0;
                } else {
                    let dir = if pos[a].1 < pos[b].1 || (pos[a].1 == pos[b].1 && a < b) { -1.0 } else { 1.0 };
                    pos[a].1 += dir * oy / 2.0;
                    pos[b].1 -= dir * oy / 2.0;
                }
            }
        }
        if !moved {
            break;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::{Edge, Node};

    fn node(id: &str) -> Node {
        Node {
            id: id.into(),
            label: id.into(),
            kind: "Country".into(),
            wikidata: None,
            iso3166: None,
            articles: 1,
            members: vec![],
        }
    }

    fn edge() -> Edge {
        Edge {
            predicate: "p".into(),
            label: "p".into(),
            cameo: None,
            quad_class: None,
            goldstein: None,
            assertions: 1,
            articles: 1,
            confidence: 1.0,
            first_date: None,
            last_date: None,
            evidence: String::new(),
            evidence_article: String::new(),
            evidence_title: None,
            negated: false,
        }
    }

    fn star(n: usize) -> EntityGraph {
        let mut g = EntityGraph::default();
        let c = g.graph.add_node(node("centre"));
        for i in 0..n {
            let m = g.graph.add_node(node(&format!("n{i}")));
            g.graph.add_edge(c, m, edge());
        }
        g
    }

    fn boxes_overlap(p: &[Placed], e: &[Extent]) -> bool {
        for i in 0..p.len() {
            for j in i + 1..p.len() {
                let ox = e[i].half_width + e[j].half_width - (p[i].x - p[j].x).abs();
                let oy =
                    (p[i].y + e[i].below).min(p[j].y + e[j].below) - (p[i].y - e[i].above).max(p[j].y - e[j].above);
                if ox > 0.0 && oy > 0.0 {
                    return true;
                }
            }
        }
        false
    }

    #[test]
    fn deterministic_and_without_overlaps() {
        let g = star(30);
        let ext = vec![Extent { half_width: 60.0, above: 12.0, below: 30.0 }; g.node_count()];
        let a = layout(&g, &ext, Settings::default());
        let b = layout(&g, &ext, Settings::default());
        assert_eq!(a, b);
        assert!(!boxes_overlap(&a, &ext));
        assert!(a.iter().zip(&ext).all(|(p, e)| p.x - e.half_width >= -0.01 && p.y - e.above >= -0.01));
    }

    #[test]
    fn neighbours_end_closer_than_strangers() {
        // Two stars joined by nothing: each leaf is nearer its own centre than the other's.
        let mut g = star(5);
        let c2 = g.graph.add_node(node("other"));
        for i in 0..5 {
            let m = g.graph.add_node(node(&format!("m{i}")));
            g.graph.add_edge(c2, m, edge());
        }
        let ext = vec![Extent { half_width: 20.0, above: 10.0, below: 10.0 }; g.node_count()];
        let p = layout(&g, &ext, Settings::default());
        let d = |a: usize, b: usize| ((p[a].x - p[b].x).powi(2) + (p[a].y - p[b].y).powi(2)).sqrt();
        let near = (1..6).map(|i| d(0, i)).fold(0.0, f64::max);
        let far = (1..6).map(|i| d(6, i)).fold(f64::INFINITY, f64::min);
        assert!(near < far, "{near} {far}");
    }

    #[test]
    fn empty_and_single() {
        assert!(layout(&EntityGraph::default(), &[], Settings::default()).is_empty());
        let mut g = EntityGraph::default();
        g.graph.add_node(node("x"));
        let p = layout(&g, &[Extent { half_width: 5.0, above: 5.0, below: 5.0 }], Settings::default());
        assert_eq!(p, [Placed { x: 5.0, y: 5.0 }]);
    }
}

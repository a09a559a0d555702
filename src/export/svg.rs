//! An SVG picture drawn here from the shared layout, so a README, a report or a browser
//! shows the graph without Graphviz: nodes coloured by type and sized by degree, labels
//! under them with a halo, relations as arrows coloured by cooperation or conflict
//! (curved apart when two entities share several), denied relations dashed, a legend,
//! and each element's details (evidence sentence included) as a tooltip.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{self, Write};

use petgraph::visit::EdgeRef;

use super::xml::Xml;
use super::{number, style, Drawing};

const MARGIN: f64 = 24.0;
const TITLE_HEIGHT: f64 = 34.0;
const LEGEND_WIDTH: f64 = 250.0;
const FONT: &str = "Helvetica, Arial, sans-serif";

fn marker_id(color: &str) -> String {
    format!("arrow-{}", color.trim_start_matches('#'))
}

/// Where an edge's path runs: start, control point (for a curve) and end, trimmed to the
/// node circles, and where its label sits.
struct Route {
    start: (f64, f64),
    control: Option<(f64, f64)>,
    end: (f64, f64),
    label_at: (f64, f64),
}

fn unit(v: (f64, f64)) -> (f64, f64) {
    let l = (v.0 * v.0 + v.1 * v.1).sqrt();
    if l < 1e-9 {
        (1.0, 0.0)
    } else {
        (v.0 / l, v.1 / l)
    }
}

/// What an edge must not cross at one end: the node's circle and its label under it.
#[derive(Clone, Copy)]
struct Obstacle {
    centre: (f64, f64),
    radius: f64,
    label_half_width: f64,
    label_bottom: f64,
}

impl Obstacle {
    fn contains(&self, p: (f64, f64)) -> bool {
        let (dx, dy) = (p.0 - self.centre.0, p.1 - self.centre.1);
        let r = self.radius + 1.5;
        dx * dx + dy * dy < r * r
            || (dx.abs() <= self.label_half_width && dy >= 0.0 && dy <= self.label_bottom - self.centre.1)
    }
}

fn bezier(p0: (f64, f64), c: (f64, f64), p2: (f64, f64), t: f64) -> (f64, f64) {
    let u = 1.0 - t;
    (u * u * p0.0 + 2.0 * u * t * c.0 + t * t * p2.0, u * u * p0.1 + 2.0 * u * t * c.1 + t * t * p2.1)
}

/// The path from `a` to `b`, bent sideways by `offset` (0: straight), clipped where it
/// leaves `a`'s node and label and where it reaches `b`'s.
fn route(a: Obstacle, b: Obstacle, canonical: (f64, f64), offset: f64) -> Route {
    let (pa, pb) = (a.centre, b.centre);
    if (pa.0 - pb.0).abs() < 1e-9 && (pa.1 - pb.1).abs() < 1e-9 {
        // A loop above the node.
        let (x, y, r) = (pa.0, pa.1, a.radius);
        let lift = r * 2.6 + offset.abs();
        return Route {
            start: (x - r * 0.6, y - r * 0.8),
            control: Some((x, y - lift * 1.6)),
            end: (x + r * 0.6, y - r * 0.8),
            label_at: (x, y - lift * 0.95),
        };
    }
    let n = (-canonical.1, canonical.0);
    let mid = ((pa.0 + pb.0) / 2.0, (pa.1 + pb.1) / 2.0);
    let c = (mid.0 + n.0 * offset * 2.0, mid.1 + n.1 * offset * 2.0);
    // Walk in from both ends until outside the obstacles.
    const STEPS: usize = 400;
    let t0 = (0..=STEPS).map(|i| i as f64 / STEPS as f64).find(|&t| !a.contains(bezier(pa, c, pb, t))).unwrap_or(0.0);
    let t1 =
        (0..=STEPS).rev().map(|i| i as f64 / STEPS as f64).find(|&t| !b.contains(bezier(pa, c, pb, t))).unwrap_or(1.0);
    let (t0, t1) = if t0 < t1 { (t0, t1) } else { (0.0, 1.0) };
    let start = bezier(pa, c, pb, t0);
    let end = bezier(pa, c, pb, t1);
    let label_at = bezier(pa, c, pb, (t0 + t1) / 2.0);
    if offset == 0.0 {
        return Route { start, control: None, end, label_at };
    }
    // The control point of the sub-curve [t0, t1] (the blossom of t0 and t1).
    let w = |u0: f64, u1: f64| ((1.0 - u0) * (1.0 - u1), (1.0 - u0) * u1 + u0 * (1.0 - u1), u0 * u1);
    let (k0, k1, k2) = w(t0, t1);
    let control = (k0 * pa.0 + k1 * c.0 + k2 * pb.0, k0 * pa.1 + k1 * c.1 + k2 * pb.1);
    Route { start, control: Some(control), end, label_at }
}

fn path(r: &Route) -> String {
    let p = |v: (f64, f64)| format!("{},{}", number(v.0), number(v.1));
    match r.control {
        Some(c) => format!("M{} Q{} {}", p(r.start), p(c), p(r.end)),
        None => format!("M{} L{}", p(r.start), p(r.end)),
    }
}

/// A label of one or more lines, centred on `x`, first baseline at `y`.
fn label(x: &mut Xml<'_>, text: &str, cx: f64, y: f64, attrs: &[(&str, &str)]) -> io::Result<()> {
    let lines: Vec<&str> = text.split('\n').collect();
    let (cxs, ys) = (number(cx), number(y));
    let mut all: Vec<(&str, &str)> = vec![("x", &cxs), ("y", &ys)];
    all.extend_from_slice(attrs);
    if lines.len() == 1 {
        return x.leaf("text", &all, text);
    }
    x.start("text", &all)?;
    let lh = number(style::LINE_HEIGHT);
    for (i, line) in lines.iter().enumerate() {
        x.leaf("tspan", &[("x", &cxs), ("dy", if i == 0 { "0" } else { &lh })], line)?;
    }
    x.end("text")
}

pub(super) fn write(d: &Drawing<'_>, out: &mut dyn Write) -> io::Result<()> {
    let g = &d.graph.graph;
    let extents = &d.extents;
    let graph_w = d.positions.iter().zip(extents).map(|(p, e)| p.x + e.half_width).fold(0.0, f64::max);
    let graph_h = d.positions.iter().zip(extents).map(|(p, e)| p.y + e.below).fold(0.0, f64::max);
    let kinds: BTreeSet<&str> = g.node_weights().map(|n| n.kind.as_str()).collect();
    let classes: Vec<Option<&str>> =
        style::QUAD_CLASSES.into_iter().filter(|q| g.edge_weights().any(|w| w.quad_class.as_deref() == *q)).collect();
    let negated = g.edge_weights().any(|w| w.negated);
    let legend_rows = kinds.len() + classes.len() + usize::from(negated) + 2;
    let legend_h = legend_rows as f64 * 22.0 + 16.0;
    let ox = MARGIN;
    let oy = MARGIN + TITLE_HEIGHT;
    let width = ox + graph_w + 40.0 + LEGEND_WIDTH + MARGIN;
    let height = oy + graph_h.max(legend_h) + MARGIN;

    let mut x = Xml::new(out)?;
    let (ws, hs) = (number(width), number(height));
    let view_box = format!("0 0 {ws} {hs}");
    x.start(
        "svg",
        &[
            ("xmlns", "http://www.w3.org/2000/svg"),
            ("width", &ws),
            ("height", &hs),
            ("viewBox", &view_box),
            ("font-family", FONT),
        ],
    )?;
    x.leaf("title", &[], &format!("newskg entity graph: {} entities, {} relations", g.node_count(), g.edge_count()))?;
    x.start("defs", &[])?;
    let colors: BTreeSet<&str> = style::QUAD_CLASSES.iter().map(|q| style::edge_color(*q)).collect();
    for c in colors {
        let id = marker_id(c);
        x.start(
            "marker",
            &[
                ("id", &id),
                ("viewBox", "0 0 10 10"),
                ("refX", "10"),
                ("refY", "5"),
                ("markerWidth", "9"),
                ("markerHeight", "9"),
                ("markerUnits", "userSpaceOnUse"),
                ("orient", "auto"),
            ],
        )?;
        x.empty("path", &[("d", "M0,0 L10,5 L0,10 z"), ("fill", c)])?;
        x.end("marker")?;
    }
    x.end("defs")?;
    x.empty("rect", &[("width", "100%"), ("height", "100%"), ("fill", "#FFFFFF")])?;
    let title = format!("{} entities, {} relations", g.node_count(), g.edge_count());
    x.leaf(
        "text",
        &[
            ("x", &number(MARGIN)),
            ("y", &number(MARGIN + 8.0)),
            ("font-size", "16"),
            ("font-weight", "bold"),
            ("fill", "#333333"),
        ],
        &format!("newskg — {title}"),
    )?;

    // Edges first, under the nodes. Edges between the same two entities fan out.
    let at = |i: usize| (d.positions[i].x + ox, d.positions[i].y + oy);
    let obstacle = |i: usize| Obstacle {
        centre: at(i),
        radius: d.radii[i],
        label_half_width: d.extents[i].half_width,
        label_bottom: at(i).1 + d.extents[i].below + 2.0,
    };
    let mut bundles: BTreeMap<(usize, usize), Vec<usize>> = BTreeMap::new();
    for e in g.edge_references() {
        let (a, b) = (e.source().index(), e.target().index());
        bundles.entry((a.min(b), a.max(b))).or_default().push(e.id().index());
    }
    x.start("g", &[("class", "edges"), ("fill", "none")])?;
    let mut labels: Vec<(Route, String, &str)> = Vec::new();
    for ((lo, hi), ids) in &bundles {
        let canonical = unit((at(*hi).0 - at(*lo).0, at(*hi).1 - at(*lo).1));
        let m = ids.len() as f64;
        for (k, &id) in ids.iter().enumerate() {
            let e = petgraph::graph::EdgeIndex::new(id);
            let (s, t) = g.edge_endpoints(e).expect("edge exists");
            let w = &g[e];
            let offset = if lo == hi { k as f64 * 14.0 } else { (k as f64 - (m - 1.0) / 2.0) * 30.0 };
            let r = route(obstacle(s.index()), obstacle(t.index()), canonical, offset);
            let color = style::edge_color(w.quad_class.as_deref());
            let marker = format!("url(#{})", marker_id(color));
            let mut attrs = vec![
                ("d", path(&r)),
                ("stroke", color.to_string()),
                ("stroke-width", "1.8".to_string()),
                ("marker-end", marker),
            ];
            if w.negated {
                attrs.push(("stroke-dasharray", "6 4".to_string()));
            }
            let attrs: Vec<(&str, &str)> = attrs.iter().map(|(k, v)| (*k, v.as_str())).collect();
            x.start("path", &attrs)?;
            let text = if w.negated { format!("not {}", w.label) } else { w.label.clone() };
            x.leaf(
                "title",
                &[],
                &format!(
                    "{} {} {} ({} sentence(s), {} article(s), confidence {}):\n{}",
                    g[s].label,
                    text,
                    g[t].label,
                    w.assertions,
                    w.articles,
                    number(w.confidence),
                    w.evidence
                ),
            )?;
            x.end("path")?;
            labels.push((r, text, color));
        }
    }
    x.end("g")?;
    // Edge labels above every edge, with a white halo.
    x.start(
        "g",
        &[
            ("class", "edge-labels"),
            ("font-size", "11"),
            ("text-anchor", "middle"),
            ("stroke", "#FFFFFF"),
            ("stroke-width", "3"),
            ("paint-order", "stroke"),
        ],
    )?;
    for (r, text, color) in &labels {
        label(&mut x, text, r.label_at.0, r.label_at.1 + 4.0, &[("fill", color)])?;
    }
    x.end("g")?;

    x.start("g", &[("class", "nodes")])?;
    for i in g.node_indices() {
        let n = &g[i];
        let (cx, cy) = at(i.index());
        let r = d.radii[i.index()];
        x.start("g", &[("class", "node")])?;
        let mut tip = format!("{} ({}", n.label, n.kind);
        if let Some(w) = &n.wikidata {
            tip.push_str(&format!(", Wikidata {w}"));
        }
        tip.push_str(&format!(", {} article(s))", n.articles));
        if !n.members.is_empty() {
            tip.push_str(&format!("\nincludes: {}", n.members.join(", ")));
        }
        x.leaf("title", &[], &tip)?;
        x.empty(
            "circle",
            &[
                ("cx", &number(cx)),
                ("cy", &number(cy)),
                ("r", &number(r)),
                ("fill", style::node_color(&n.kind)),
                ("stroke", "#FFFFFF"),
                ("stroke-width", "2"),
            ],
        )?;
        label(
            &mut x,
            &n.label,
            cx,
            cy + r + 2.0 + style::FONT_SIZE,
            &[
                ("font-size", &number(style::FONT_SIZE)),
                ("text-anchor", "middle"),
                ("fill", "#1A1A1A"),
                ("stroke", "#FFFFFF"),
                ("stroke-width", "3"),
                ("paint-order", "stroke"),
            ],
        )?;
        x.end("g")?;
    }
    x.end("g")?;

    // The legend.
    let lx = ox + graph_w + 40.0;
    let mut ly = oy;
    x.start("g", &[("class", "legend"), ("font-size", "12"), ("fill", "#333333")])?;
    x.empty(
        "rect",
        &[
            ("x", &number(lx - 10.0)),
            ("y", &number(ly - 8.0)),
            ("width", &number(LEGEND_WIDTH)),
            ("height", &number(legend_h)),
            ("fill", "#F7F7F7"),
            ("stroke", "#DDDDDD"),
            ("rx", "6"),
        ],
    )?;
    x.leaf("text", &[("x", &number(lx)), ("y", &number(ly + 10.0)), ("font-weight", "bold")], "Entities")?;
    ly += 22.0;
    for kind in &kinds {
        let name = style::kind_name(kind);
        x.empty(
            "circle",
            &[("cx", &number(lx + 7.0)), ("cy", &number(ly + 6.0)), ("r", "7"), ("fill", style::node_color(kind))],
        )?;
        x.leaf("text", &[("x", &number(lx + 22.0)), ("y", &number(ly + 10.0))], &name)?;
        ly += 22.0;
    }
    x.leaf("text", &[("x", &number(lx)), ("y", &number(ly + 10.0)), ("font-weight", "bold")], "Relations")?;
    ly += 22.0;
    let line = |x: &mut Xml<'_>, ly: f64, color: &str, dashed: bool| {
        let mut a = vec![
            ("x1", number(lx)),
            ("y1", number(ly + 6.0)),
            ("x2", number(lx + 16.0)),
            ("y2", number(ly + 6.0)),
            ("stroke", color.to_string()),
            ("stroke-width", "2.5".to_string()),
        ];
        if dashed {
            a.push(("stroke-dasharray", "4 3".to_string()));
        }
        let a: Vec<(&str, &str)> = a.iter().map(|(k, v)| (*k, v.as_str())).collect();
        x.empty("line", &a)
    };
    for q in &classes {
        line(&mut x, ly, style::edge_color(*q), false)?;
        x.leaf("text", &[("x", &number(lx + 22.0)), ("y", &number(ly + 10.0))], style::quad_class_name(*q))?;
        ly += 22.0;
    }
    if negated {
        line(&mut x, ly, "#555555", true)?;
        x.leaf("text", &[("x", &number(lx + 22.0)), ("y", &number(ly + 10.0))], "denied (\"not …\")")?;
    }
    x.end("g")?;
    x.end("svg")?;
    x.finish()
}

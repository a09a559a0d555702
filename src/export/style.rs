//! How entities and relations look: colours by entity type and by cooperation or
//! conflict, Graphviz shapes, node sizes, and the space a label takes. One place, so the
//! DOT file, the GEXF colours, the SVG picture and the explorer agree.

use petgraph::Direction;

use crate::graph::EntityGraph;

/// Fill colour of an entity type (a colour-blind-safe palette; unknown types grey).
pub fn node_color(kind: &str) -> &'static str {
    match kind {
        "Country" => "#4E79A7",
        "InternationalOrganization" => "#76B7B2",
        "ArmedGroup" => "#B07AA1",
        "PoliticalOrganization" => "#F28E2B",
        "Bloc" => "#EDC948",
        "Region" => "#9C755F",
        "City" => "#BAB0AC",
        "Person" => "#FF9DA7",
        "Resource" => "#8CD17D",
        "Topic" => "#D4A6C8",
        _ => "#A0A0A0",
    }
}

/// Text colour readable on [`node_color`].
pub fn node_text_color(kind: &str) -> &'static str {
    match kind {
        "Country" | "ArmedGroup" | "Region" => "#FFFFFF",
        _ => "#1A1A1A",
    }
}

/// Graphviz shape of an entity type.
pub fn dot_shape(kind: &str) -> &'static str {
    match kind {
        "Country" => "box",
        "InternationalOrganization" => "hexagon",
        "ArmedGroup" => "diamond",
        "PoliticalOrganization" => "octagon",
        "Bloc" => "doubleoctagon",
        "Region" => "ellipse",
        "City" => "circle",
        "Person" => "oval",
        "Resource" => "note",
        "Topic" => "tab",
        _ => "ellipse",
    }
}

/// Stroke colour of a relation by its CAMEO QuadClass: greens for cooperation, orange
/// and red for conflict, grey for relations without a CAMEO class (interest, control,
/// membership…).
pub fn edge_color(quad_class: Option<&str>) -> &'static str {
    match quad_class {
        Some("VerbalCooperation") => "#59A14F",
        Some("MaterialCooperation") => "#1B7837",
        Some("VerbalConflict") => "#E8743B",
        Some("MaterialConflict") => "#C62828",
        _ => "#7F7F7F",
    }
}

/// Human name of a QuadClass for legends.
pub fn quad_class_name(quad_class: Option<&str>) -> &'static str {
    match quad_class {
        Some("VerbalCooperation") => "verbal cooperation",
        Some("MaterialCooperation") => "material cooperation",
        Some("VerbalConflict") => "verbal conflict",
        Some("MaterialConflict") => "material conflict",
        _ => "other (no CAMEO class)",
    }
}

/// An entity type's name for people: `InternationalOrganization` → `International
/// organization`.
pub fn kind_name(kind: &str) -> String {
    if kind.is_empty() {
        return "Other".into();
    }
    let mut out = String::new();
    for (i, c) in kind.chars().enumerate() {
        if c.is_uppercase() && i > 0 {
            out.push(' ');
            out.extend(c.to_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// The QuadClasses in legend order (`None`: no CAMEO class).
pub const QUAD_CLASSES: [Option<&str>; 5] =
    [Some("VerbalCooperation"), Some("MaterialCooperation"), Some("VerbalConflict"), Some("MaterialConflict"), None];

/// Label font size in pixels (SVG, explorer).
pub const FONT_SIZE: f64 = 13.0;
/// Height of one label line.
pub const LINE_HEIGHT: f64 = 16.0;

/// Node radius by degree: hubs are bigger, within 9–30 px.
pub fn radii(g: &EntityGraph) -> Vec<f64> {
    g.graph
        .node_indices()
        .map(|i| {
            let degree = g.graph.edges_directed(i, Direction::Outgoing).count()
                + g.graph.edges_directed(i, Direction::Incoming).count();
            (9.0 + 4.0 * (degree as f64).sqrt()).min(30.0)
        })
        .collect()
}

/// Estimated width of a label line in pixels: narrow for Latin letters, wide for CJK and
/// emoji. An estimate is enough to keep labels from overlapping.
pub fn text_width(line: &str) -> f64 {
    line.chars()
        .map(|c| {
            if c.is_ascii() {
                if c.is_ascii_uppercase() || c == 'm' || c == 'w' {
                    0.72
                } else {
                    0.56
                }
            } else if (c as u32) < 0x2E80 {
                0.62
            } else {
                1.05
            }
        })
        .sum::<f64>()
        * FONT_SIZE
}

/// The box a node and its label (drawn under it) take around the node's centre.
pub fn extent(label: &str, radius: f64) -> crate::layout::Extent {
    let lines: Vec<&str> = label.split('\n').collect();
    let widest = lines.iter().map(|l| text_width(l)).fold(0.0, f64::max);
    crate::layout::Extent {
        half_width: radius.max(widest / 2.0 + 2.0),
        above: radius,
        below: radius + 4.0 + lines.len() as f64 * LINE_HEIGHT,
    }
}

/// `#RRGGBB` as (r, g, b).
pub fn rgb(hex: &str) -> (u8, u8, u8) {
    let v = u32::from_str_radix(hex.trim_start_matches('#'), 16).unwrap_or(0x00A0_A0A0);
    ((v >> 16) as u8, (v >> 8) as u8, v as u8)
}

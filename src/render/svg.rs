//! The activity chart of the HTML document: one lane per log, signature hits per time bin as
//! bars (log scale, so a storm does not flatten everything else), and a vertical mark at each
//! finding's first evidence. Plain inline SVG with `<title>` tooltips: no script, no fonts or
//! styles from outside.
//!
//! In: the document's [`Activity`]. Out: an `<svg>` element as text.

use std::fmt::Write;

use super::document::Activity;
use crate::findings::Severity;
use crate::time::Timestamp;

const WIDTH: f64 = 1000.0;
const LEFT: f64 = 8.0;
const RIGHT: f64 = 8.0;
const TOP: f64 = 34.0;
const LABEL: f64 = 16.0;
const BARS: f64 = 44.0;
const GAP: f64 = 10.0;
const AXIS: f64 = 30.0;
const TICKS: usize = 6;

/// Colour of a severity (also used by the HTML stylesheet).
pub(super) fn severity_colour(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "#b60205",
        Severity::High => "#d93f0b",
        Severity::Medium => "#b08800",
        Severity::Low => "#0e8a16",
        Severity::Info => "#6a737d",
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// `2025-01-26 13:09` (minutes are enough on a chart spanning days).
fn short_time(t: Timestamp) -> String {
    let text = t.to_string();
    text.get(..16).map_or(text.clone(), |s| s.replace('T', " "))
}

/// The chart, or an empty string when no log has timed hits.
pub(crate) fn activity_svg(activity: &Activity) -> String {
    let (Some(start), Some(end)) = (activity.start, activity.end) else {
        return String::new();
    };
    if activity.lanes.is_empty() {
        return String::new();
    }
    let bins = activity.lanes[0].bins.len().max(1);
    let plot = WIDTH - LEFT - RIGHT;
    let bin_w = plot / bins as f64;
    let lane_h = LABEL + BARS + GAP;
    let lanes_h = lane_h * activity.lanes.len() as f64;
    let height = TOP + lanes_h + AXIS;
    let max = activity
        .lanes
        .iter()
        .flat_map(|l| l.bins.iter().copied())
        .max()
        .unwrap_or(1)
        .max(1);
    let scale = |n: u64| BARS * ((1.0 + n as f64).ln() / (1.0 + max as f64).ln());
    let span = (end.millis() - start.millis()).max(1) as f64;
    let x_of = |t: Timestamp| LEFT + plot * ((t.millis() - start.millis()) as f64 / span);

    let mut s = String::new();
    let _ = write!(
        s,
        r##"<svg class="activity" viewBox="0 0 {WIDTH} {height}" width="100%" role="img" aria-label="Signature hits per log over time, with findings marked" font-family="system-ui, sans-serif" font-size="11">"##
    );
    let _ = write!(
        s,
        "<title>Signature hits per log over time ({} to {}, {} min per bar), findings marked</title>",
        short_time(start),
        short_time(end),
        activity.bin_ms / 60_000
    );
    for (i, lane) in activity.lanes.iter().enumerate() {
        let y0 = TOP + lane_h * i as f64;
        let base = y0 + LABEL + BARS;
        let _ = write!(
            s,
            r##"<g class="lane"><text x="{LEFT}" y="{:.1}" fill="#24292f">{} <tspan fill="#57606a">({} hits)</tspan></text>"##,
            y0 + 11.0,
            escape(&lane.file),
            lane.total
        );
        let _ = write!(
            s,
            r##"<rect x="{LEFT}" y="{:.1}" width="{plot:.1}" height="{BARS}" fill="#f6f8fa"/>"##,
            y0 + LABEL
        );
        for (b, &n) in lane.bins.iter().enumerate() {
            if n == 0 {
                continue;
            }
            let h = scale(n).max(1.0);
            let from = Timestamp(start.millis() + activity.bin_ms * b as i64);
            let _ = write!(
                s,
                r##"<rect x="{:.1}" y="{:.1}" width="{:.1}" height="{h:.1}" fill="#0969da"><title>{}: {n} hits from {}</title></rect>"##,
                LEFT + bin_w * b as f64,
                base - h,
                (bin_w - 0.5).max(0.5),
                escape(&lane.file),
                short_time(from)
            );
        }
        s.push_str("</g>");
    }
    // Time axis.
    let axis_y = TOP + lanes_h;
    let _ = write!(
        s,
        r##"<line x1="{LEFT}" y1="{axis_y:.1}" x2="{:.1}" y2="{axis_y:.1}" stroke="#8c959f"/>"##,
        LEFT + plot
    );
    for k in 0..=TICKS {
        let t = Timestamp(start.millis() + ((end.millis() - start.millis()) * k as i64) / TICKS as i64);
        let x = x_of(t);
        let anchor = match k {
            0 => "start",
            TICKS => "end",
            _ => "middle",
        };
        let _ = write!(
            s,
            r##"<line x1="{x:.1}" y1="{axis_y:.1}" x2="{x:.1}" y2="{:.1}" stroke="#8c959f"/><text x="{x:.1}" y="{:.1}" text-anchor="{anchor}" fill="#57606a">{}</text>"##,
            axis_y + 4.0,
            axis_y + 16.0,
            short_time(t)
        );
    }
    // Findings, staggered so labels at close times stay readable.
    for (i, mark) in activity.marks.iter().enumerate() {
        let x = x_of(mark.time);
        let colour = severity_colour(mark.severity);
        let label_y = 11.0 + 10.0 * (i % 3) as f64;
        let anchor = if x > WIDTH - 60.0 { "end" } else { "start" };
        let dx = if anchor == "end" { -3.0 } else { 3.0 };
        let _ = write!(
            s,
            r##"<g class="mark"><title>{} ({}) first evidence at {}</title><line x1="{x:.1}" y1="{:.1}" x2="{x:.1}" y2="{axis_y:.1}" stroke="{colour}" stroke-width="1.5" stroke-dasharray="4 2"/><text x="{:.1}" y="{label_y:.1}" text-anchor="{anchor}" fill="{colour}" font-weight="bold">{}</text></g>"##,
            mark.finding.to_uppercase(),
            mark.severity,
            mark.time,
            label_y - 8.0,
            x + dx,
            mark.finding.to_uppercase()
        );
    }
    s.push_str("</svg>");
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::document::{ActivityLane, ActivityMark};

    #[test]
    fn draws_lanes_bars_and_marks() {
        let activity = Activity {
            start: Some(Timestamp(0)),
            end: Some(Timestamp(240_000)),
            bin_ms: 60_000,
            lanes: vec![ActivityLane {
                file: "a<b>.log".into(),
                total: 5,
                bins: vec![1, 0, 4, 0],
            }],
            marks: vec![ActivityMark {
                finding: "f1".into(),
                severity: Severity::High,
                time: Timestamp(120_000),
            }],
        };
        let svg = activity_svg(&activity);
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert_eq!(svg.matches("fill=\"#0969da\"").count(), 2);
        assert!(svg.contains("a&lt;b&gt;.log"));
        assert!(svg.contains(">F1</text>"));
        assert!(!svg.contains("<script"));
    }
}

//! The timeline chart of the HTML document: a legend, a time scale above and below, one lane
//! per finding (sorted by first time) with each episode of its evidence as a separate bar over
//! the finding's time span, its evidence signatures' hits per time bin under it, and the
//! signatures no finding cites folded away. HTML rows (labels stay text: they wrap, copy and
//! print) around small inline SVG plots; `<details>` folds lanes. No script, no fonts or styles
//! from outside; every name and title is escaped.
//!
//! In: the document's [`Activity`]. Out: a `<figure>` as text.

use std::fmt::Write;

use super::document::{Activity, FindingLane, SignatureLane};
use crate::findings::Severity;
use crate::time::Timestamp;

/// Width of every plot in SVG units (the plots stretch to the row's width).
const PLOT_W: f64 = 1000.0;
/// Height of a finding's episode plot.
const LANE_H: f64 = 14.0;
/// Height of a signature's hit plot.
const SIGNATURE_H: f64 = 16.0;
/// Narrowest episode bar, so a one-minute episode stays visible.
const MIN_BAR: f64 = 5.0;
/// At most this many ticks on the scale.
const MAX_TICKS: i64 = 8;

/// Colour of a severity (the stylesheet's `.sev` badges use the same).
fn severity_colour(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "#b60205",
        Severity::High => "#d93f0b",
        Severity::Medium => "#b08800",
        Severity::Low => "#0e8a16",
        Severity::Info => "#6a737d",
    }
}

/// Text for an element or a quoted attribute. `=` is encoded too, so no bundle text reads as
/// `name=` inside a tag, even to a checker that does not parse quotes.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('=', "&#61;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// `2025-01-26 13:09` (minutes are enough on a chart).
fn short_time(t: Timestamp) -> String {
    let text = t.to_string();
    text.get(..16).map_or(text.clone(), |s| s.replace('T', " "))
}

fn plural(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Ticks of the scale: a round step (minutes to weeks) giving at most [`MAX_TICKS`], on
/// multiples of the step in UTC, each with its label (`Jan 27` at midnight, else `06:00`).
fn ticks(start: i64, end: i64) -> Vec<(i64, String)> {
    const MINUTE: i64 = 60_000;
    const STEPS: [i64; 15] = [
        1, 2, 5, 10, 15, 30, 60, 120, 180, 360, 720, 1440, 2880, 4320, 10080,
    ];
    let span = (end - start).max(1);
    let step = STEPS
        .iter()
        .map(|m| m * MINUTE)
        .find(|s| span / s <= MAX_TICKS)
        .unwrap_or_else(|| (span / MAX_TICKS / (10080 * MINUTE) + 1) * 10080 * MINUTE);
    let mut t = start.div_euclid(step) * step;
    if t < start {
        t += step;
    }
    let mut out = Vec::new();
    while t <= end {
        let label = match chrono::DateTime::from_timestamp_millis(t) {
            Some(dt) if t.rem_euclid(1440 * MINUTE) == 0 => dt.format("%b %d").to_string(),
            Some(dt) => dt.format("%H:%M").to_string(),
            None => String::new(),
        };
        out.push((t, label));
        t += step;
    }
    out
}

/// Maps times to plot units.
struct Scale {
    start: i64,
    span: f64,
}

impl Scale {
    fn x(&self, ms: i64) -> f64 {
        PLOT_W * ((ms - self.start) as f64 / self.span).clamp(0.0, 1.0)
    }
    fn percent(&self, ms: i64) -> f64 {
        100.0 * ((ms - self.start) as f64 / self.span).clamp(0.0, 1.0)
    }
}

/// The chart, or an empty string when no log has timed hits.
pub(crate) fn timeline_chart(activity: &Activity) -> String {
    let (Some(start), Some(end)) = (activity.start, activity.end) else {
        return String::new();
    };
    let scale = Scale {
        start: start.millis(),
        span: (end.millis() - start.millis()).max(1) as f64,
    };
    let ticks = ticks(start.millis(), end.millis());
    let grid: String = ticks.iter().fold(String::new(), |mut s, (t, _)| {
        let x = scale.x(*t);
        let _ = write!(
            s,
            r##"<line class="tick" x1="{x:.1}" y1="0" x2="{x:.1}" y2="100%" stroke="#d8dee4" vector-effect="non-scaling-stroke"/>"##
        );
        s
    });
    let signatures = activity
        .lanes
        .iter()
        .flat_map(|l| &l.signatures)
        .chain(&activity.other);
    let max = signatures
        .flat_map(|s| s.bins.iter().copied())
        .max()
        .unwrap_or(1)
        .max(1);
    let bin_minutes = activity.bin_ms / 60_000;

    let mut s = String::new();
    let _ = write!(
        s,
        r#"<figure class="chart" aria-label="Timeline chart: one lane per finding, {} to {} UTC">"#,
        short_time(start),
        short_time(end)
    );
    legend(&mut s, activity, bin_minutes);
    axis(&mut s, &scale, &ticks, start, "top");
    for lane in &activity.lanes {
        finding_lane(&mut s, lane, &scale, &grid, max, activity.bin_ms);
    }
    if !activity.other.is_empty() {
        let hits: u64 = activity.other.iter().map(|l| l.total).sum();
        let _ = write!(
            s,
            r#"<details class="lane other"><summary class="row"><span class="label">{} no finding cites</span><span class="plot"></span><span class="count">{}</span></summary>"#,
            plural(activity.other.len() as u64, "signature", "signatures"),
            plural(hits, "hit", "hits")
        );
        for l in &activity.other {
            signature_row(&mut s, l, &grid, max, start.millis(), activity.bin_ms);
        }
        s.push_str("</details>");
    }
    axis(&mut s, &scale, &ticks, start, "bottom");
    s.push_str("</figure>");
    s
}

fn legend(s: &mut String, activity: &Activity, bin_minutes: i64) {
    s.push_str(r#"<div class="legend">"#);
    let mut severities: Vec<Severity> = activity.lanes.iter().map(|l| l.severity).collect();
    severities.sort_by(|a, b| b.cmp(a));
    severities.dedup();
    for sev in severities {
        let _ = write!(
            s,
            r#"<span><i class="swatch" style="background:{}"></i>{sev}</span>"#,
            severity_colour(sev)
        );
    }
    let _ = write!(
        s,
        r#"<span><i class="swatch span"></i>finding's time span</span><span><i class="swatch episode"></i>episode in it</span><span><i class="swatch episode outside"></i>episode before or after it</span><span><i class="swatch hits"></i>signature hits per {} (height: log scale)</span><span>a pause of {} or more ends an episode</span>"#,
        plural(bin_minutes as u64, "minute", "minutes"),
        crate::time::format_duration(activity.episode_gap_ms / 1000)
    );
    s.push_str("</div>");
}

fn axis(s: &mut String, scale: &Scale, ticks: &[(i64, String)], start: Timestamp, side: &str) {
    let _ = write!(
        s,
        r#"<div class="row axis {side}"><span class="label">UTC, from {}</span><span class="ticks">"#,
        short_time(start)
    );
    for (t, label) in ticks {
        let at = scale.percent(*t);
        // Labels centre on their tick, except at the ends where they would leave the plot.
        let class = match at {
            a if a < 4.0 => "tick start",
            a if a > 96.0 => "tick end",
            _ => "tick",
        };
        let _ = write!(
            s,
            r#"<span class="{class}" style="left:{at:.2}%">{}</span>"#,
            escape(label)
        );
    }
    s.push_str(r#"</span><span class="count"></span></div>"#);
}

fn finding_lane(s: &mut String, lane: &FindingLane, scale: &Scale, grid: &str, max: u64, bin_ms: i64) {
    let colour = severity_colour(lane.severity);
    let id = escape(&lane.finding);
    let _ = write!(
        s,
        r##"<details class="lane finding" data-finding="{id}" open><summary class="row"><span class="label" title="{title}"><a href="#{id}">{upper}</a> <span class="sev {sev}">{sev_upper}</span> {title}</span>"##,
        title = escape(&lane.title),
        upper = id.to_uppercase(),
        sev = lane.severity,
        sev_upper = lane.severity.to_string().to_uppercase(),
    );
    let _ = write!(
        s,
        r#"<svg class="activity" viewBox="0 0 {PLOT_W} {LANE_H}" preserveAspectRatio="none" role="img" aria-label="{} of {}">{grid}"#,
        plural(lane.episodes.len() as u64, "episode", "episodes"),
        id.to_uppercase()
    );
    if let Some(first) = lane.first_time {
        let last = lane.last_time.unwrap_or(first);
        let (x0, x1) = (scale.x(first.millis()), scale.x(last.millis()));
        let _ = write!(
            s,
            r#"<rect class="span" x="{x0:.1}" y="0" width="{:.1}" height="{LANE_H}" fill="{colour}" fill-opacity="0.15"><title>{} time span: {} to {}</title></rect>"#,
            (x1 - x0).max(MIN_BAR),
            id.to_uppercase(),
            short_time(first),
            short_time(last)
        );
    }
    // Episodes are cut at pauses of at least a bin, so bars never touch; the clamp keeps the
    // narrowest ones (widened to stay visible) apart too.
    let mut right = f64::MIN;
    for e in &lane.episodes {
        let x0 = scale.x(e.start.millis()).max(right + 1.0);
        let x1 = scale.x(e.end.millis()).max(x0 + MIN_BAR).min(PLOT_W);
        let x0 = x0.min(x1 - MIN_BAR);
        right = x1;
        let class = if e.in_span { "episode" } else { "episode outside" };
        let opacity = if e.in_span { "1" } else { "0.4" };
        let _ = write!(
            s,
            r#"<rect class="{class}" x="{x0:.1}" y="2" width="{:.1}" height="{:.1}" fill="{colour}" fill-opacity="{opacity}"><title>{}: {} from {} to {}</title></rect>"#,
            x1 - x0,
            LANE_H - 4.0,
            id.to_uppercase(),
            plural(e.hits, "hit", "hits"),
            short_time(e.start),
            short_time(e.end)
        );
    }
    s.push_str("</svg>");
    // Episodes only: hits are counted per signature, on the rows below, as everywhere else.
    let count = if lane.episodes.is_empty() {
        "no timed evidence".to_owned()
    } else {
        plural(lane.episodes.len() as u64, "episode", "episodes")
    };
    let _ = write!(s, r#"<span class="count">{count}</span></summary>"#);
    let start = scale.start;
    for l in &lane.signatures {
        signature_row(s, l, grid, max, start, bin_ms);
    }
    s.push_str("</details>");
}

fn signature_row(s: &mut String, lane: &SignatureLane, grid: &str, max: u64, start: i64, bin_ms: i64) {
    let signature = escape(&lane.signature);
    let files = lane
        .files
        .iter()
        .map(|f| escape(f))
        .collect::<Vec<_>>()
        .join(", ");
    let _ = write!(
        s,
        r#"<div class="row signature"><span class="label" title="{signature} in {files}"><code>{signature}</code></span><svg class="activity" viewBox="0 0 {PLOT_W} {SIGNATURE_H}" preserveAspectRatio="none" role="img" aria-label="hits of {signature} over time">{grid}"#
    );
    let bins = lane.bins.len().max(1) as f64;
    let bin_w = PLOT_W / bins;
    let log_max = (1.0 + max as f64).ln();
    for (b, &n) in lane.bins.iter().enumerate() {
        if n == 0 {
            continue;
        }
        let h = (SIGNATURE_H * (1.0 + n as f64).ln() / log_max).max(3.0);
        let _ = write!(
            s,
            r##"<rect class="hits" x="{:.1}" y="{:.1}" width="{:.1}" height="{h:.1}" fill="#0969da"><title>{}: {} from {}</title></rect>"##,
            bin_w * b as f64,
            SIGNATURE_H - h,
            (bin_w - 0.6).max(0.6),
            signature,
            plural(n, "hit", "hits"),
            short_time(Timestamp(start + bin_ms * b as i64))
        );
    }
    let _ = write!(
        s,
        r#"</svg><span class="count">{}, {}</span></div>"#,
        plural(lane.total, "hit", "hits"),
        plural(lane.files.len() as u64, "file", "files")
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::document::ActivityEpisode;

    fn lane(id: &str, first: i64, episodes: &[(i64, i64, bool)]) -> FindingLane {
        FindingLane {
            finding: id.into(),
            severity: Severity::High,
            title: "<b>x</b>".into(),
            first_time: Some(Timestamp(first)),
            last_time: None,
            episodes: episodes
                .iter()
                .map(|&(a, b, in_span)| ActivityEpisode {
                    start: Timestamp(a),
                    end: Timestamp(b),
                    hits: 2,
                    in_span,
                })
                .collect(),
            signatures: vec![SignatureLane {
                signature: "sig".into(),
                files: vec!["a<b>.log".into()],
                total: 5,
                bins: vec![1, 0, 4, 0],
            }],
        }
    }

    #[test]
    fn draws_lanes_episodes_and_scale() {
        let activity = Activity {
            start: Some(Timestamp(0)),
            end: Some(Timestamp(4 * 3_600_000)),
            bin_ms: 3_600_000,
            episode_gap_ms: 3_600_000,
            lanes: vec![lane("f1", 0, &[(0, 60_000, false), (7_200_000, 7_260_000, true)])],
            other: Vec::new(),
        };
        let html = timeline_chart(&activity);
        assert!(html.starts_with("<figure") && html.ends_with("</figure>"));
        assert_eq!(html.matches("class=\"lane finding\"").count(), 1);
        assert_eq!(html.matches("<rect class=\"episode").count(), 2);
        assert_eq!(html.matches("class=\"episode outside\"").count(), 1);
        assert_eq!(html.matches("<rect class=\"hits\"").count(), 2);
        assert!(html.contains("a&lt;b&gt;.log") && html.contains("&lt;b&gt;x&lt;/b&gt;"));
        assert!(!html.contains("<b>"));
        assert!(html.contains(">01:00</span>") && html.contains(">Jan 01</span>"));
        assert!(html.contains("class=\"legend\""));
        assert!(!html.contains("<script"));
    }

    #[test]
    fn ticks_are_round_and_few() {
        let day = 86_400_000;
        let t = ticks(day / 2, day * 8 + 3);
        assert!(t.len() <= MAX_TICKS as usize + 1 && t.len() >= 4, "{t:?}");
        assert!(t.iter().all(|(ms, _)| ms % day == 0));
        assert_eq!(t[0].1, "Jan 02");
        let t = ticks(0, 3_600_000);
        assert_eq!(t[1], (600_000, "00:10".to_owned()));
    }
}

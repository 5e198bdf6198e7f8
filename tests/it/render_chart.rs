//! The HTML timeline chart, checked in the page's structure (no browser needed): a legend and a
//! time scale, one lane per finding in order of the finding's first time, each episode of a
//! finding's evidence a separate bar (one that recovered and came back is two bars), the
//! signatures no finding cites folded away, and `file:line` kept from breaking.

use crate::common::{analyze_json, reference_bundle, Scenario};

/// The part of the page between `<figure class="chart"` and its `</figure>`.
fn chart(html: &str) -> &str {
    let start = html
        .find("<figure class=\"chart\"")
        .expect("the page has the chart");
    let end = start + html[start..].find("</figure>").expect("the chart ends");
    &html[start..end]
}

/// Each finding lane of the chart: (anchor, its markup), in page order.
fn lanes(chart: &str) -> Vec<(String, &str)> {
    chart
        .split("<details class=\"lane finding\" data-finding=\"")
        .skip(1)
        .map(|lane| {
            let id = lane.split('"').next().unwrap_or_default().to_owned();
            let body = &lane[..lane.find("</details>").unwrap_or(lane.len())];
            (id, body)
        })
        .collect()
}

fn reference_html() -> String {
    let out = crate::common::casebook()
        .args(["analyze", "--quiet", "--format", "html"])
        .arg(reference_bundle())
        .output()
        .expect("runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).expect("utf-8")
}

#[test]
fn reference_chart_has_a_lane_per_finding_a_legend_and_a_scale() {
    let html = reference_html();
    let chart = chart(&html);
    let doc = analyze_json(&reference_bundle(), &[]);
    let findings = doc["findings"].as_array().expect("findings");

    // One lane per finding, in order of first time (no time last).
    let mut expected: Vec<(bool, String, String)> = findings
        .iter()
        .map(|f| {
            let time = f["first_time"].as_str().unwrap_or_default().to_owned();
            (
                time.is_empty(),
                time,
                f["id"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    expected.sort_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
    let order: Vec<String> = lanes(chart).into_iter().map(|(id, _)| id).collect();
    let expected: Vec<String> = expected.into_iter().map(|e| e.2).collect();
    assert_eq!(order, expected, "lanes follow the findings' first times");

    // Legend and a scale above and below, with labelled ticks in the bundle's dates.
    assert!(chart.contains("class=\"legend\""));
    for words in [
        "time span",
        "episode in it",
        "episode before or after it",
        "signature hits per",
    ] {
        assert!(chart.contains(words), "legend says {words:?}");
    }
    assert_eq!(
        chart.matches("class=\"row axis ").count(),
        2,
        "scale above and below"
    );
    let ticks = chart.matches("<span class=\"tick").count();
    assert!((6..=20).contains(&ticks), "{ticks} tick labels");
    assert!(chart.contains(">Jan 27</span>") && chart.contains(">Feb 02</span>"));

    // Each evidence signature sits under its finding: the RPC rejections under the RPC-limit lane.
    let rpc = finding_id(findings, "nv.consul.rpc-conn-limit");
    let (_, lane) = lanes(chart)
        .into_iter()
        .find(|(id, _)| *id == rpc)
        .expect("rpc lane");
    assert!(lane.contains("<code>nv.consul.rpc-conn-limit/rejected</code>"));
    assert!(!lane.contains("<code>nv.admission.audit-queue-full/queue-full</code>"));

    // Signatures no finding cites are folded away (a closed <details>), not lanes of their own.
    let other = &chart[chart.find("<details class=\"lane other\">").expect("folded lane")..];
    assert!(!other.starts_with("<details class=\"lane other\" open"));
    let other_count = doc["activity"]["other"].as_array().map_or(0, Vec::len);
    assert_eq!(other.matches("class=\"row signature\"").count(), other_count);
}

fn finding_id(findings: &[serde_json::Value], rule: &str) -> String {
    findings
        .iter()
        .find(|f| f["rule"] == rule)
        .and_then(|f| f["id"].as_str())
        .unwrap_or_else(|| panic!("{rule} fired"))
        .to_owned()
}

#[test]
fn leaderless_episodes_are_separate_bars() {
    let html = reference_html();
    let doc = analyze_json(&reference_bundle(), &[]);
    let findings = doc["findings"].as_array().expect("findings");
    let id = finding_id(findings, "nv.consul.leaderless");
    let (_, lane) = lanes(chart(&html))
        .into_iter()
        .find(|(l, _)| *l == id)
        .expect("leaderless lane");
    // Lead loss on Jan 26 that recovered, the outage from Feb 2: two bars, the second the
    // finding's own span.
    assert_eq!(lane.matches("<rect class=\"episode").count(), 2, "{lane}");
    assert_eq!(lane.matches("<rect class=\"episode outside\"").count(), 1);
    let episodes = doc["activity"]["lanes"]
        .as_array()
        .and_then(|l| l.iter().find(|l| l["finding"] == id.as_str()))
        .map(|l| l["episodes"].clone())
        .expect("lane in the JSON");
    assert_eq!(episodes[0]["in_span"], false);
    assert!(episodes[0]["start"]
        .as_str()
        .is_some_and(|t| t.starts_with("2025-01-26")));
    assert_eq!(episodes[1]["in_span"], true);
    assert!(episodes[1]["start"]
        .as_str()
        .is_some_and(|t| t.starts_with("2025-02-02")));
}

/// `minutes` lines of "No cluster leader", one every 30 s from `start` (`HH:MM`) on 2024-06-01.
fn no_leader(start: (u32, u32), minutes: u32) -> String {
    (0..minutes * 2)
        .map(|i| {
            let s = start.0 * 3600 + start.1 * 60 + i * 30;
            format!(
                "2024-06-01T{:02}:{:02}:{:02}.000Z [ERROR] agent: Coordinate update error: error=\"No cluster leader\"\n",
                s / 3600,
                s / 60 % 60,
                s % 60
            )
        })
        .collect()
}

#[test]
fn an_outage_that_came_back_is_two_bars_and_one_that_did_not_is_one() {
    let twice = format!("{}{}", no_leader((8, 0), 20), no_leader((14, 0), 20));
    let once = no_leader((8, 0), 20);
    for (log, bars) in [(twice, 2), (once, 1)] {
        let s = Scenario::new()
            .shipped_rules()
            .log("neuvector-controller-pod-1.log", &log);
        let out = s.run(&["analyze", "{bundle}", "-q", "--format", "html"]);
        assert_eq!(out.code, 0, "{}", out.stderr);
        let lanes = lanes(chart(&out.stdout));
        assert_eq!(lanes.len(), 1, "one finding, one lane");
        assert_eq!(lanes[0].1.matches("<rect class=\"episode").count(), bars);
        assert!(lanes[0].1.contains(&format!("{bars} episode")));
    }
}

#[test]
fn file_and_line_never_break_and_the_page_prints() {
    let html = reference_html();
    // The timeline's file:line cells are kept whole by the stylesheet's nowrap.
    assert!(html.contains("<td><span class=\"loc\"><code>neuvector-controller-pod-854b7c7d46-fhw25.log.gz:28121</code></span></td>"));
    assert!(html.contains(".loc, .loc code { white-space: nowrap; }"));
    assert!(!html.contains("word-break: break-all"));
    // A print stylesheet that opens what is folded and drops dark backgrounds.
    let print = &html[html.find("@media print").expect("print stylesheet")..];
    assert!(print.contains("details::details-content"));
    assert!(print.contains(".sev { background: none"));
}

//! Stored XSS: every hostile text a bundle or the command line can carry ends up inert in the
//! HTML report: a log continuation line that tries to close the excerpt's fence, a file name,
//! a captured value, `--description`, `--title`, `--case`; event attributes after a tab,
//! newline or `/`; entity-encoded `javascript:` links.

use crate::common::Scenario;

const PAYLOAD: &str = "<details\topen\tontoggle=alert(1)>";

/// Every tag in the page: none carries an event attribute, every link stays in the page.
fn assert_inert(html: &str) {
    let tag = regex::Regex::new(r"<([A-Za-z][A-Za-z0-9]*)([^>]*)>").unwrap();
    let event = regex::Regex::new(r"(?i)[\s/]on[a-z]+\s*=").unwrap();
    let href = regex::Regex::new(r#"(?i)href\s*=\s*"([^"]*)""#).unwrap();
    for c in tag.captures_iter(html) {
        let (name, attrs) = (&c[1], &c[2]);
        assert!(!event.is_match(attrs), "live event attribute: <{name}{attrs}>");
        assert!(
            !["script", "img", "iframe", "object", "embed", "form", "input", "style"]
                .contains(&name.to_ascii_lowercase().as_str())
                || (name == "style" && attrs.is_empty()),
            "live element <{name}{attrs}>"
        );
        for h in href.captures_iter(attrs) {
            assert!(h[1].starts_with('#'), "a link out of the page: {}", &h[1]);
        }
    }
    for c in tag.captures_iter(html) {
        assert!(
            !c[2].to_ascii_lowercase().contains("javascript"),
            "javascript in markup: {}",
            &c[0]
        );
    }
    assert!(
        !html.contains("<details open"),
        "an opened details element came from the bundle"
    );
}

#[test]
fn hostile_bundle_and_command_line_text_is_inert_in_html() {
    let log = format!(
        "2024-03-01T10:00:00.000|INFO|CTL|main.main: START - version=<javascript:alert(1)>\n\
         2024-03-01T10:01:00Z ERROR quote {PAYLOAD}\n\
         ```\n\
         {PAYLOAD}\n\
         <img src=x onerror=alert(1)>\n\
         <a href=\"&#106;avascript:alert(1)\">x</a> [y](javascript:alert(1)) <javascript:alert(1)>\n\
         <svg/onload=alert(1)> <details\nopen\nontoggle=alert(1)>\n\
         2024-03-01T10:02:00Z ERROR quote <javascript:alert(1)> `` ``` ` <b/onclick=alert(1)>\n"
    );
    let description =
        format!("# Hostile\n\n{PAYLOAD}\n\n<script>alert(1)</script> [x](javascript:alert(1))\n");
    let s = Scenario::new()
        .one_rule(r"ERROR quote (?P<what>.+)$")
        .log(&format!("{PAYLOAD}.log"), &log)
        .log("plain.log", &log)
        .log("description.md", &description);
    let desc_path = s.bundle().join("description.md");
    let desc = desc_path.to_str().unwrap();
    let out = s.run(&[
        "analyze",
        "{bundle}",
        "-q",
        "--format",
        "html",
        "--title",
        &format!("T {PAYLOAD} <img/src=x/onerror=alert(1)>"),
        "--case",
        "<svg/onload=alert(1)>",
        "--description",
        desc,
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout.contains("<svg class=\"activity\""),
        "the chart is kept"
    );
    assert!(
        out.stdout.contains("href=\"#f1\""),
        "links within the page are kept"
    );
    assert!(out.stdout.contains("ontoggle"), "the payload is shown as text");
    assert_inert(&out.stdout);

    // The markdown keeps the log's fence-closing line inside the excerpt.
    let md = s.run(&["analyze", "{bundle}", "-q"]).stdout;
    let fence = md
        .lines()
        .find(|l| l.starts_with("````"))
        .expect("a fence longer than the line's");
    assert!(fence.chars().all(|c| c == '`'));
}

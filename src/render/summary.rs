//! The conclusion the case document opens with: the diagnosis in a sentence or two, built from
//! the findings and how they chain (a rule's `after:` names the rules whose findings it follows
//! from), and the first step of each plan.
//!
//! In: the document's findings (already linked by `follows`/`leads_to`) and plans. Out: a
//! [`Summary`].

use chrono::DateTime;

use super::document::{DocFinding, DocPlan, FirstStep, Summary};
use crate::findings::Severity;
use crate::time::Timestamp;

/// Findings that start a chain named in the diagnosis, at most.
const ROOTS: usize = 4;
/// A finding whose last evidence is this close to the end of the logs is still going.
const STILL_GOING_MS: i64 = 30 * 60 * 1000;

/// The summary of the document: `end` is the last time in any log.
pub(crate) fn summary(findings: &[DocFinding], plans: &[DocPlan], end: Option<Timestamp>) -> Summary {
    Summary {
        diagnosis: diagnosis(findings, end),
        first_steps: plans
            .iter()
            .filter_map(|p| {
                let step = first_item(&p.diagnosis).or_else(|| first_item(&p.steps))?;
                Some(FirstStep {
                    plan: p.id.clone(),
                    title: p.title.clone(),
                    step,
                })
            })
            .collect(),
    }
}

/// The chain: each finding that follows from no other (the most severe few), in time order,
/// with when it happened and the findings that follow from it; then what the one still going
/// at the end of the logs breaks (its runbook's Impact, first sentence).
fn diagnosis(findings: &[DocFinding], end: Option<Timestamp>) -> Option<String> {
    let mut roots: Vec<&DocFinding> = findings
        .iter()
        .filter(|f| f.follows.is_none() && f.severity >= Severity::Low)
        .take(ROOTS)
        .collect();
    if roots.is_empty() {
        return None;
    }
    roots.sort_by_key(|f| (f.first_time.is_none(), f.first_time));
    let still_going = |f: &DocFinding| match (f.last_time, end) {
        (Some(last), Some(end)) => end.millis() - last.millis() <= STILL_GOING_MS,
        _ => false,
    };
    let by_id = |id: &str| findings.iter().find(|f| f.id == id);
    // (when, what): roots that share their `when` are told together.
    let mut parts: Vec<(String, Vec<String>)> = Vec::new();
    for f in &roots {
        let mut when = String::new();
        if let Some(first) = f.first_time {
            let single_day = f.last_time.is_none_or(|last| day(last) == day(first));
            when = format!("{} {}", if single_day { "on" } else { "from" }, day(first));
            // A rule that chose one episode (`episode_start`) may have seen the problem before.
            let earliest = f.evidence.iter().filter_map(|e| e.first_time).min();
            if let Some(earliest) = earliest
                .filter(|e| f.params.contains_key("episode_start") && day(*e) != day(first) && *e < first)
            {
                when.push_str(&format!(" (first signs on {})", day(earliest)));
            }
            if !single_day && still_going(f) {
                when.push_str(" until the end of the logs");
            }
        }
        let mut what = format!("{} ({})", lower_first(&f.title), f.id.to_uppercase());
        let symptoms: Vec<String> = f
            .leads_to
            .iter()
            .filter_map(|id| by_id(id))
            .map(|s| format!("{} ({})", lower_first(&s.title), s.id.to_uppercase()))
            .collect();
        if !symptoms.is_empty() {
            what.push_str(&format!(", which explains {}", and_list(&symptoms)));
        }
        match parts.last_mut() {
            Some((w, items)) if *w == when => items.push(what),
            _ => parts.push((when, vec![what])),
        }
    }
    let parts: Vec<String> = parts
        .into_iter()
        .map(|(when, items)| {
            let items = and_list(&items);
            if when.is_empty() {
                items
            } else {
                format!("{when}: {items}")
            }
        })
        .collect();
    let mut text = upper_first(&parts.join("; "));
    text.push('.');
    // The damage still being done: the Impact of the most severe finding still going.
    if let Some(impact) = roots
        .iter()
        .filter(|f| still_going(f))
        .max_by_key(|f| f.severity)
        .and_then(|f| f.impact.as_deref())
        .and_then(first_sentence)
    {
        text.push(' ');
        text.push_str(&format!("Still at the end of the logs: {}", lower_first(&impact)));
    }
    Some(text)
}

/// `Jan 26`.
fn day(t: Timestamp) -> String {
    DateTime::from_timestamp_millis(t.millis()).map_or_else(String::new, |d| d.format("%b %-d").to_string())
}

/// "a", "a and b", "a, b and c".
fn and_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// The first character in lower case, unless the first word is an acronym or a name with
/// capitals inside (`UI`, `RPC`, `NeuVector`, `CrashLoopBackOff`).
fn lower_first(text: &str) -> String {
    let mut chars = text.chars();
    let first_word = text
        .split(|c: char| !c.is_alphanumeric())
        .next()
        .unwrap_or_default();
    match chars.next() {
        Some(a) if a.is_uppercase() && !first_word.chars().skip(1).any(char::is_uppercase) => {
            format!("{}{}", a.to_lowercase(), &text[a.len_utf8()..])
        }
        _ => text.to_owned(),
    }
}

fn upper_first(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(a) => format!("{}{}", a.to_uppercase(), chars.as_str()),
        None => String::new(),
    }
}

/// The first sentence of a markdown paragraph, lines joined.
fn first_sentence(text: &str) -> Option<String> {
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let end = flat.find(". ").map_or(flat.len(), |i| i + 1);
    let sentence = flat[..end].trim();
    (!sentence.is_empty()).then(|| {
        let mut s = sentence.to_owned();
        if !s.ends_with('.') {
            s.push('.');
        }
        s
    })
}

/// The first item of a markdown list (the text up to the next item at the start of a line),
/// or the first paragraph when the text is not a list.
fn first_item(text: &str) -> Option<String> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    let is_item = |line: &str| {
        let digits = line.bytes().take_while(u8::is_ascii_digit).count();
        (digits > 0 && line[digits..].starts_with(". ")) || line.starts_with("- ") || line.starts_with("* ")
    };
    let mut lines = text.lines();
    let first = lines.next()?;
    let mut out = vec![first];
    let list = is_item(first);
    for line in lines {
        if (list && is_item(line)) || (!list && line.trim().is_empty()) {
            break;
        }
        out.push(line);
    }
    let mut item = out.join("\n");
    if list {
        // Drop the item's own number: the summary numbers nothing.
        let marker = item.find(' ').map_or(0, |i| i + 1);
        item = item[marker..].to_owned();
    }
    Some(item.trim_end().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_item_of_a_numbered_list_keeps_its_continuation() {
        let text = "1. Save the logs:\n   `kubectl logs`\n2. Then scale.\n";
        assert_eq!(
            first_item(text).as_deref(),
            Some("Save the logs:\n   `kubectl logs`")
        );
        assert_eq!(first_item("Just do it.\n\nMore.").as_deref(), Some("Just do it."));
        assert_eq!(first_item("  \n"), None);
    }

    #[test]
    fn case_of_first_letter_respects_acronyms() {
        assert_eq!(lower_first("Controller cluster"), "controller cluster");
        assert_eq!(lower_first("UI not loading"), "UI not loading");
        assert_eq!(lower_first("NeuVector cannot find"), "NeuVector cannot find");
        assert_eq!(lower_first("Go panic"), "go panic");
        assert_eq!(and_list(&["a".into(), "b".into(), "c".into()]), "a, b and c");
        assert_eq!(
            first_sentence("The UI stops.\nMore here.").as_deref(),
            Some("The UI stops.")
        );
    }
}

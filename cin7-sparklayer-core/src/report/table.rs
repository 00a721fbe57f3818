//! A readable, plain-text rendering of a [`RunReport`] (E9) and its plan (E1).

use std::fmt::Write;

use super::{CustomerAction, Plan, RunReport};

/// How many plan lines and failures the table lists one by one.
const MAX_LINES: usize = 25;

fn counts<K: std::fmt::Display>(
    out: &mut String,
    title: &str,
    map: &std::collections::BTreeMap<K, u64>,
) {
    if map.is_empty() {
        return;
    }
    let _ = writeln!(out, "  {title}");
    for (k, v) in map {
        let _ = writeln!(out, "    {k:<28}{v:>10}");
    }
}

/// Renders the report as a table for a terminal: what ran, counts per action and reason,
/// requests per API, failures, and for a dry run the plan.
pub fn render_table(report: &RunReport) -> String {
    let mut out = String::new();
    heading(&mut out, report);
    counts(&mut out, "customers", &report.customers);
    counts(&mut out, "contacts (C16)", &report.contacts);
    counts(&mut out, "skipped (by reason)", &report.skip_reasons);
    counts(&mut out, "warnings (by reason)", &report.warnings);
    counts(&mut out, "invites", &report.invites);
    counts(&mut out, "price lists", &report.price_lists);
    let _ = writeln!(
        out,
        "  price rows: {} written, {} removed; products read: {}",
        report.price_rows_written, report.price_rows_removed, report.products_read
    );
    requests(&mut out, report);
    if let Some(plan) = &report.plan {
        plan_lines(&mut out, plan);
    }
    failures(&mut out, report);
    out
}

/// What ran, when, for how long; the incremental cursor.
fn heading(out: &mut String, report: &RunReport) {
    let took = (report.finished_at - report.started_at).num_milliseconds() as f64 / 1000.0;
    let _ = writeln!(
        out,
        "Sync run: {} {}— started {} — {:.1}s{}",
        report.mode,
        if report.dry_run { "(dry run) " } else { "" },
        report.started_at.format("%Y-%m-%d %H:%M:%S UTC"),
        took,
        if report.interrupted {
            " — interrupted"
        } else {
            ""
        }
    );
    if let Some(since) = report.modified_since {
        let _ = writeln!(
            out,
            "  modified since {}",
            since.format("%Y-%m-%d %H:%M:%S UTC")
        );
    }
}

/// Requests per API, and the writes to the sinks (E2).
fn requests(out: &mut String, report: &RunReport) {
    let _ = writeln!(
        out,
        "  requests        reads     writes  throttled    retried"
    );
    for (service, c) in &report.requests {
        let name = service.to_string();
        let _ = writeln!(
            out,
            "    {name:<12}{:>8}{:>11}{:>11}{:>11}",
            c.reads, c.writes, c.throttled, c.retried
        );
    }
    let _ = writeln!(
        out,
        "  writes to Shopify + SparkLayer: {}",
        report.sink_writes()
    );
}

/// The first customer changes and price lists of a dry run's plan (E1).
fn plan_lines(out: &mut String, plan: &Plan) {
    let _ = writeln!(out, "  plan (first {MAX_LINES} customer changes):");
    for e in plan
        .customers
        .iter()
        .filter(|e| {
            !matches!(
                e.action,
                CustomerAction::Unchanged | CustomerAction::Skip(_)
            )
        })
        .take(MAX_LINES)
    {
        let _ = writeln!(
            out,
            "    {:<8} {} {}",
            e.action.name(),
            e.cin7_id,
            e.email.as_deref().unwrap_or("")
        );
    }
    for l in plan.price_lists.iter().take(MAX_LINES) {
        let _ = writeln!(
            out,
            "    list {:<30} {:?}: {} upserts, {} removals",
            l.slug, l.action, l.upserts, l.removals
        );
    }
}

/// The first failures with their messages (E3).
fn failures(out: &mut String, report: &RunReport) {
    if report.failures.is_empty() {
        let _ = writeln!(out, "  failures: none");
        return;
    }
    let _ = writeln!(out, "  failures: {}", report.failures.len());
    for f in report.failures.iter().take(MAX_LINES) {
        let _ = writeln!(out, "    {:?} {} [{}]: {}", f.kind, f.id, f.step, f.message);
    }
    if report.failures.len() > MAX_LINES {
        let _ = writeln!(
            out,
            "    … and {} more (see --json)",
            report.failures.len() - MAX_LINES
        );
    }
}

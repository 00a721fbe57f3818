//! C6 Tax exemption.

/// C6: `taxExempt` is true when `tax_rule` equals one of `exempt_rules`, case-insensitively (trimmed).
pub fn is_tax_exempt(tax_rule: Option<&str>, exempt_rules: &[String]) -> bool {
    let Some(rule) = tax_rule.map(str::trim).filter(|r| !r.is_empty()) else {
        return false;
    };
    let rule = rule.to_lowercase();
    exempt_rules.iter().any(|r| r.trim().to_lowercase() == rule)
}

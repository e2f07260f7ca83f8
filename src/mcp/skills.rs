//! The Agent Skills shipped in the binary: `jr setup` installs them, and
//! `jr mcp` serves them as resources.

/// assets/skill/jr/SKILL.md: how to use jr.
pub const SKILL_MD: &str = include_str!("../../assets/skill/jr/SKILL.md");

/// assets/skill/jr-dagster/SKILL.md: Dagster through jr (the design's `dagster_guide`).
pub const DAGSTER_SKILL_MD: &str = include_str!("../../assets/skill/jr-dagster/SKILL.md");

/// (folder name, text) of every skill.
pub const SKILLS: &[(&str, &str)] = &[("jr", SKILL_MD), ("jr-dagster", DAGSTER_SKILL_MD)];

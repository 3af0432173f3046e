# METADATA
# title: Risk-tier gate - low tier (every project)
# description: Tests pass, guards on, secrets scan clean, budget set and not exhausted, audit log on and intact.
# custom:
#   version: 1.0.0
#   owner: platform-security
#   changelog: first version
package paved_roads.gate

import rego.v1

catalog["low.tests_pass"] := {"tier": "low", "title": "Tests pass", "evidence": ["tests"]}

catalog["low.guards_on"] := {"tier": "low", "title": "Input and output guards are on", "evidence": ["guards"]}

catalog["low.secrets_clean"] := {"tier": "low", "title": "Secret scan of the repository is clean", "evidence": ["secrets"]}

catalog["low.budget_set"] := {"tier": "low", "title": "A spend budget is set and enforced", "evidence": ["budget"]}

catalog["low.budget_headroom"] := {"tier": "low", "title": "The budget is not exhausted", "evidence": ["budget"]}

catalog["low.audit_on"] := {"tier": "low", "title": "Audit log is on and its hash chain verifies", "evidence": ["audit"]}

# Guards no project may switch off; add names here to make more of them mandatory.
required_input_guards := {"pii", "secrets", "prompt_injection"}

# `links` strips links and images to hosts off guards.allowed_link_hosts: the exfiltration control (Markdown-image beacon).
required_output_guards := {"pii", "secrets", "links"}

# -- low.tests_pass -----------------------------------------------------------------------------

deny contains {"control": "low.tests_pass", "message": msg} if {
	applies("low.tests_pass")
	not input.tests.found
	msg := sprintf("no test results at %s: run `make test` (pytest --junitxml) first", [input.tests.path])
}

deny contains {"control": "low.tests_pass", "message": msg} if {
	applies("low.tests_pass")
	input.tests.found
	bad := input.tests.failures + input.tests.errors
	bad > 0
	msg := concat("", [sprintf("%d of %d tests failed or errored (%s): ", [bad, input.tests.tests, input.tests.path]), concat("; ", input.tests.failed)])
}

deny contains {"control": "low.tests_pass", "message": msg} if {
	applies("low.tests_pass")
	input.tests.found
	input.tests.tests == 0
	msg := sprintf("%s records no tests", [input.tests.path])
}

deny contains {"control": "low.tests_pass", "message": msg} if {
	applies("low.tests_pass")
	input.tests.found
	input.tests.stale_because != null
	msg := sprintf("test results are older than the code they vouch for (%s changed since): rerun `make test`", [input.tests.stale_because])
}

# -- low.guards_on ------------------------------------------------------------------------------

deny contains {"control": "low.guards_on", "message": msg} if {
	applies("low.guards_on")
	missing := required_input_guards - {g | some g in input.guards.configured_input}
	count(missing) > 0
	msg := concat("", ["input guard(s) ", concat(", ", sort(missing)), " switched off in governance.yml guards.input"])
}

deny contains {"control": "low.guards_on", "message": msg} if {
	applies("low.guards_on")
	missing := required_output_guards - {g | some g in input.guards.configured_output}
	count(missing) > 0
	msg := concat("", ["output guard(s) ", concat(", ", sort(missing)), " switched off in governance.yml guards.output"])
}

deny contains {"control": "low.guards_on", "message": msg} if {
	applies("low.guards_on")
	input.guards.error != null
	msg := sprintf("guard pipelines do not build: %s", [input.guards.error])
}

deny contains {"control": "low.guards_on", "message": msg} if {
	applies("low.guards_on")
	input.guards.error == null
	some side in ["input", "output"]
	required := {"input": required_input_guards, "output": required_output_guards}[side]
	configured := {g | some g in input.guards[concat("_", ["configured", side])]}
	running := {g | some g in input.guards[concat("_", ["active", side])]}
	idle := (configured & required) - running
	count(idle) > 0
	msg := concat("", [side, " guard(s) ", concat(", ", sort(idle)), " are configured but not running in the runtime"])
}

# -- low.secrets_clean --------------------------------------------------------------------------

deny contains {"control": "low.secrets_clean", "message": msg} if {
	applies("low.secrets_clean")
	count(input.secrets.findings) > 0
	shown := [sprintf("%s:%d (%s)", [f.file, f.line, f.type]) | some f in input.secrets.findings]
	msg := concat("", [sprintf("%d possible secret(s) committed: ", [count(shown)]), concat(", ", shown)])
}

deny contains {"control": "low.secrets_clean", "message": msg} if {
	applies("low.secrets_clean")
	input.secrets.error != null
	msg := sprintf("secret scan did not run: %s", [input.secrets.error])
}

# -- low.budget_set / low.budget_headroom -------------------------------------------------------

deny contains {"control": "low.budget_set", "message": msg} if {
	applies("low.budget_set")
	not input.budget.set
	msg := "governance.yml has no budget (budget.monthly_usd and budget.daily_usd must be > 0)"
}

deny contains {"control": "low.budget_headroom", "message": msg} if {
	applies("low.budget_headroom")
	input.budget.set
	input.budget.month_to_date_usd >= input.budget.monthly_usd
	msg := sprintf("budget exhausted: %.2f of %.2f USD spent this month", [input.budget.month_to_date_usd, input.budget.monthly_usd])
}

deny contains {"control": "low.budget_headroom", "message": msg} if {
	applies("low.budget_headroom")
	input.budget.set
	input.budget.today_usd >= input.budget.daily_usd
	msg := sprintf("budget exhausted: %.2f of %.2f USD spent today", [input.budget.today_usd, input.budget.daily_usd])
}

deny contains {"control": "low.budget_headroom", "message": msg} if {
	applies("low.budget_headroom")
	input.budget.error != null
	msg := sprintf("cost ledger cannot be read: %s", [input.budget.error])
}

warn contains {"control": "low.budget_headroom", "message": msg} if {
	input.budget.set
	input.budget.projected_month_end_usd > input.budget.monthly_usd
	msg := sprintf("projected month-end spend %.2f USD exceeds the monthly budget %.2f", [input.budget.projected_month_end_usd, input.budget.monthly_usd])
}

# -- low.audit_on -------------------------------------------------------------------------------

deny contains {"control": "low.audit_on", "message": "governance.yml audit.enabled is false"} if {
	applies("low.audit_on")
	not input.audit.enabled
}

deny contains {"control": "low.audit_on", "message": msg} if {
	applies("low.audit_on")
	input.audit.error != null
	msg := sprintf("audit log cannot be opened: %s", [input.audit.error])
}

deny contains {"control": "low.audit_on", "message": msg} if {
	applies("low.audit_on")
	input.audit.error == null
	not input.audit.verify.ok
	msg := sprintf("audit log does not verify: %s", [input.audit.verify.reason])
}

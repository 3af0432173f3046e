# METADATA
# title: Risk-tier gate - shared rules and lifecycle controls
# description: >-
#   Tier ordering, the control catalogue, waivers, asset deprecation, template drift and the
#   governance file itself. Input: the fact document the `gate` command builds
#   (var/evidence/input.json); output: deny/warn sets of {control, message}.
# custom:
#   version: 1.1.0
#   owner: platform-security
#   changelog: template.current counts releases behind and fails only past governance.yml's allowance
package paved_roads.gate

import rego.v1

tier_rank := {"low": 1, "medium": 2, "high": 3}

# A waiver may run at most this many days ahead: exceptions are time-boxed by construction.
max_waiver_days := 90

# Set to true to fail (not only warn) when the template's newest version cannot be looked up.
template_unknown_fails := false

catalog["governance.valid"] := {"tier": "low", "title": "governance.yml is valid", "evidence": ["governance"]}

catalog["waivers.valid"] := {"tier": "low", "title": "Waivers are well-formed, approved by an owner and unexpired", "evidence": ["waivers"]}

catalog["assets.not_deprecated"] := {"tier": "low", "title": "No prompt, dataset or policy in use is past its deprecation date", "evidence": ["assets"]}

catalog["template.current"] := {"tier": "low", "title": "Project is no more template releases behind than its tier allows", "evidence": ["template"]}

applicable contains id if {
	some id, control in catalog
	tier_rank[input.tier] >= tier_rank[control.tier]
}

applies(id) if id in applicable

# -- governance.valid ---------------------------------------------------------------------------

deny contains {"control": "governance.valid", "message": msg} if {
	applies("governance.valid")
	not input.governance.valid
	msg := sprintf("governance.yml does not load: %s", [input.governance.error])
}

# -- waivers.valid ------------------------------------------------------------------------------

waiver_issue contains {"index": i, "message": sprintf("waiver %d: %s", [i + 1, problem])} if {
	some i, w in input.waivers
	some problem in w.problems
}

waiver_issue contains {"index": i, "message": sprintf("waiver %d for %s expired on %s", [i + 1, w.control, w.expires])} if {
	some i, w in input.waivers
	w.expires != null
	w.expires < input.today
}

waiver_issue contains {"index": i, "message": sprintf("waiver %d names unknown control %s", [i + 1, w.control])} if {
	some i, w in input.waivers
	w.control != null
	not catalog[w.control]
}

waiver_issue contains {"index": i, "message": sprintf("waiver %d tries to waive waivers.valid itself", [i + 1])} if {
	some i, w in input.waivers
	w.control == "waivers.valid"
}

waiver_issue contains {"index": i, "message": msg} if {
	some i, w in input.waivers
	w.approver != null
	not w.approver in input.owners
	msg := concat("", [sprintf("waiver %d approver %s is not an owner (", [i + 1, w.approver]), concat(", ", sort(input.owners)), ")"])
}

waiver_issue contains {"index": i, "message": msg} if {
	some i, w in input.waivers
	w.days_left > max_waiver_days
	msg := sprintf("waiver %d runs %d days; the limit is %d", [i + 1, w.days_left, max_waiver_days])
}

invalid_waiver contains issue.index if some issue in waiver_issue

# Controls an unexpired, well-formed waiver lets pass; the gate still lists them as "waived".
active_waivers contains w.control if {
	some i, w in input.waivers
	not i in invalid_waiver
}

deny contains {"control": "waivers.valid", "message": issue.message} if {
	applies("waivers.valid")
	some issue in waiver_issue
}

warn contains {"control": "waivers.valid", "message": msg} if {
	some i, w in input.waivers
	not i in invalid_waiver
	w.days_left <= 7
	msg := sprintf("waiver for %s expires in %d day(s) (%s)", [w.control, w.days_left, w.expires])
}

# -- assets.not_deprecated ----------------------------------------------------------------------

deny contains {"control": "assets.not_deprecated", "message": msg} if {
	applies("assets.not_deprecated")
	some asset in input.assets
	asset.in_use
	asset.deprecated_after != null
	asset.deprecated_after < input.today
	msg := sprintf("%s %s is deprecated since %s (%s): move to a newer version", [asset.kind, asset.ref, asset.deprecated_after, asset.path])
}

deny contains {"control": "assets.not_deprecated", "message": msg} if {
	applies("assets.not_deprecated")
	input.assets_error != null
	msg := sprintf("versioned assets cannot be read: %s", [input.assets_error])
}

warn contains {"control": "assets.not_deprecated", "message": msg} if {
	some asset in input.assets
	asset.in_use
	asset.deprecated_after != null
	asset.deprecated_after >= input.today
	msg := sprintf("%s %s is deprecated after %s: plan its replacement", [asset.kind, asset.ref, asset.deprecated_after])
}

# -- template.current ---------------------------------------------------------------------------

# Counted like the CI drift job: release tags newer than `_commit`, against governance.yml's
# template.max_versions_behind (the tier's default when unset): warn while within it, fail past it.

# rego-cpp's sprintf quotes a %s string that Rego computed (concat's result), so the list is joined
# with concat, as waiver_issue does.
template_behind_line(template) := concat("", [
	sprintf("project is on template %s, %d release(s) behind %s (", [template.current_version, count(template.behind), template.latest_version]),
	concat(", ", template.behind),
	sprintf("); %s tier allows %d", [input.tier, template.max_versions_behind]),
])

deny contains {"control": "template.current", "message": msg} if {
	applies("template.current")
	input.template.status == "behind"
	count(input.template.behind) > input.template.max_versions_behind
	msg := concat("", [template_behind_line(input.template), sprintf(": run `make template-update` (%s)", [input.template.src_path])])
}

warn contains {"control": "template.current", "message": msg} if {
	applies("template.current")
	input.template.status == "behind"
	count(input.template.behind) <= input.template.max_versions_behind
	msg := concat("", [template_behind_line(input.template), ": update before it is more"])
}

deny contains {"control": "template.current", "message": msg} if {
	applies("template.current")
	template_unknown_fails
	input.template.status == "unknown"
	msg := sprintf("template version cannot be checked: %s", [input.template.reason])
}

warn contains {"control": "template.current", "message": msg} if {
	not template_unknown_fails
	input.template.status == "unknown"
	msg := sprintf("template version not checked: %s", [input.template.reason])
}

# METADATA
# title: Risk-tier gate - high tier
# description: Two independent owner reviews, human-in-the-loop by default, HMAC-keyed audit log, full decision records.
# custom:
#   version: 1.0.0
#   owner: platform-security
#   changelog: first version
package paved_roads.gate

import rego.v1

catalog["high.independent_review"] := {"tier": "high", "title": "Two independent owners approved this change", "evidence": ["reviews"]}

catalog["high.human_in_the_loop"] := {"tier": "high", "title": "Human-in-the-loop is on by default", "evidence": ["governance"]}

catalog["high.audit_hmac"] := {"tier": "high", "title": "Audit log is HMAC-keyed", "evidence": ["audit"]}

catalog["high.decision_records"] := {"tier": "high", "title": "Every decision record is complete", "evidence": ["audit"]}

required_reviews := 2

# -- high.independent_review --------------------------------------------------------------------

review_rejection(r) := "its record is malformed" if count(r.problems) > 0

review_rejection(r) := sprintf("decision is %s", [r.decision]) if {
	count(r.problems) == 0
	r.decision != "approved"
}

review_rejection(r) := "reviewer is not an owner" if {
	count(r.problems) == 0
	r.decision == "approved"
	not r.reviewer in input.owners
}

review_rejection(r) := "reviewer is the change author" if {
	count(r.problems) == 0
	r.decision == "approved"
	r.reviewer in input.owners
	r.reviewer in input.reviews.author_aliases
}

review_rejection(r) := "review is for another version of the change" if {
	count(r.problems) == 0
	r.decision == "approved"
	r.reviewer in input.owners
	not r.reviewer in input.reviews.author_aliases
	r.change != input.reviews.change
}

independent_approvals contains r.reviewer if {
	some r in input.reviews.records
	not review_rejection(r)
}

deny contains {"control": "high.independent_review", "message": msg} if {
	applies("high.independent_review")
	count(independent_approvals) < required_reviews
	rejected := [sprintf("%s in %s (%s)", [r.reviewer, r.file, review_rejection(r)]) | some r in input.reviews.records; review_rejection(r)]
	msg := concat("", [
		sprintf("%d of %d independent owner approvals for change %s (author %s)", [
			count(independent_approvals), required_reviews,
			substring(input.reviews.change, 0, 19), input.reviews.author,
		]),
		approvals_text(independent_approvals),
		rejected_text(rejected),
	])
}

approvals_text(approvals) := "" if count(approvals) == 0

approvals_text(approvals) := concat("", [": approved by ", concat(", ", sort(approvals))]) if count(approvals) > 0

rejected_text(rejected) := "" if count(rejected) == 0

rejected_text(rejected) := concat("", ["; not counted: ", concat("; ", rejected)]) if count(rejected) > 0

# -- high.human_in_the_loop ---------------------------------------------------------------------

deny contains {"control": "high.human_in_the_loop", "message": msg} if {
	applies("high.human_in_the_loop")
	not input.governance.human_in_the_loop
	msg := "governance.yml human_in_the_loop is false: high-risk decisions need a person by default"
}

# -- high.audit_hmac ----------------------------------------------------------------------------

deny contains {"control": "high.audit_hmac", "message": msg} if {
	applies("high.audit_hmac")
	not input.audit.hmac
	msg := "governance.yml audit.hmac is false: the high tier needs an HMAC-keyed audit chain"
}

deny contains {"control": "high.audit_hmac", "message": msg} if {
	applies("high.audit_hmac")
	input.audit.hmac
	input.audit.key_source == "none"
	msg := "audit.hmac is on but no HMAC key is configured (AUDIT_HMAC_KEY)"
}

# -- high.decision_records ----------------------------------------------------------------------

deny contains {"control": "high.decision_records", "message": msg} if {
	applies("high.decision_records")
	input.audit.error == null
	input.audit.verify.ok
	input.audit.decision_records == 0
	msg := "the audit log holds no decision records yet: run `eval` (or the service) so the record path is exercised"
}

deny contains {"control": "high.decision_records", "message": msg} if {
	applies("high.decision_records")
	count(input.audit.incomplete_records) > 0
	shown := [concat("", [sprintf("#%d %s lacks ", [r.seq, r.action]), concat("+", r.missing)]) | some r in input.audit.incomplete_records]
	msg := concat("", [sprintf("%d incomplete decision record(s): ", [count(shown)]), concat("; ", shown)])
}

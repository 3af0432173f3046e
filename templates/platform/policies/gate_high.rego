# METADATA
# title: Risk-tier gate - high tier
# description: Two independent owner reviews, human-in-the-loop by default, HMAC-keyed audit log, full decision records.
# custom:
#   version: 1.1.0
#   owner: platform-security
#   changelog: reviews count only when signed by the owner's key or read from the code host, on the current commit
package paved_roads.gate

import rego.v1

catalog["high.independent_review"] := {"tier": "high", "title": "Two independent owners approved this change (signed or on the code host)", "evidence": ["reviews"]}

catalog["high.human_in_the_loop"] := {"tier": "high", "title": "Human-in-the-loop is on by default", "evidence": ["governance"]}

catalog["high.audit_hmac"] := {"tier": "high", "title": "Audit log is HMAC-keyed", "evidence": ["audit"]}

catalog["high.decision_records"] := {"tier": "high", "title": "Every decision record is complete", "evidence": ["audit"]}

required_reviews := 2

# -- high.independent_review --------------------------------------------------------------------
# A review counts when it is well-formed, by an owner, verified (signed with that owner's key, or
# read from the code host), an approval, not by the change author, and of the change as it is now.
# Each record is rejected for the first of these it fails.

is_owner(handle) if handle in input.owners

is_owner(handle) if handle in input.reviews.team_members

# concat, not sprintf, around computed strings: regopy quotes a computed string inside sprintf.
malformed(r) := [concat("", ["its record is malformed: ", concat(", ", r.problems)])] if count(r.problems) > 0 else := []

not_owner(r) := [concat("", [r.reviewer, " is not an owner (owners: ", concat(", ", sort(input.owners)), ")"])] if {
	not is_owner(r.reviewer)
} else := []

unverified(r) := [concat("", ["signature: ", r.signature_problem])] if r.signature != "valid" else := []

not_approval(r) := [concat("", ["decision is ", r.decision])] if r.decision != "approved" else := []

by_author(r) := ["reviewer is the change author"] if r.reviewer in input.reviews.author_aliases else := []

stale(r) := [r.stale] if r.stale != null else := []

review_reasons(r) := array.concat(
	array.concat(array.concat(malformed(r), not_owner(r)), array.concat(unverified(r), not_approval(r))),
	array.concat(by_author(r), stale(r)),
)

counted_reviews := [r | some r in input.reviews.records; count(review_reasons(r)) == 0]

independent_approvals := {r.reviewer | some r in counted_reviews}

# One person holding two owners' keys (or one key listed for two owners) is still one person.
approving_signers := {r.signer | some r in counted_reviews}

approval_count := min([count(independent_approvals), count(approving_signers)])

deny contains {"control": "high.independent_review", "message": msg} if {
	applies("high.independent_review")
	input.reviews.error == null
	approval_count < required_reviews
	rejected := [concat("", [r.reviewer, " in ", r.file, " (", reasons[0], ")"]) |
		some r in input.reviews.records
		reasons := review_reasons(r)
		count(reasons) > 0
	]
	msg := concat("", [
		sprintf("%d of %d independent owner approvals for commit %s (author %s)", [
			approval_count, required_reviews, substring(input.reviews.commit, 0, 7), input.reviews.author,
		]),
		approvals_text(independent_approvals),
		same_person_text,
		rejected_text(rejected),
		notes_text,
	])
}

deny contains {"control": "high.independent_review", "message": msg} if {
	applies("high.independent_review")
	input.reviews.error != null
	msg := sprintf("reviews cannot be read (%s): %s", [input.reviews.source, input.reviews.error])
}

approvals_text(approvals) := "" if count(approvals) == 0

approvals_text(approvals) := concat("", [": approved by ", concat(", ", sort(approvals))]) if count(approvals) > 0

same_person_text := "" if count(approving_signers) >= count(independent_approvals)

same_person_text := "; those approvals were signed with one key: one person" if {
	count(approving_signers) < count(independent_approvals)
}

rejected_text(rejected) := "" if count(rejected) == 0

rejected_text(rejected) := concat("", ["; not counted: ", concat("; ", rejected)]) if count(rejected) > 0

notes_text := "" if count(input.reviews.notes) == 0

notes_text := concat("", ["; note: ", concat("; ", input.reviews.notes)]) if count(input.reviews.notes) > 0

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

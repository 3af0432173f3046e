# METADATA
# title: Risk-tier gate - medium tier
# description: Eval thresholds met with no regression against the baseline, a current shadow test, a real rollback plan.
# custom:
#   version: 1.0.0
#   owner: platform-security
#   changelog: first version
package paved_roads.gate

import rego.v1

catalog["medium.eval_thresholds"] := {"tier": "medium", "title": "Eval thresholds from governance.yml are met", "evidence": ["evals"]}

catalog["medium.no_regression"] := {"tier": "medium", "title": "No eval regression against the committed baseline", "evidence": ["evals"]}

catalog["medium.shadow_test"] := {"tier": "medium", "title": "Shadow test of the current configuration shows no regression", "evidence": ["shadow"]}

catalog["medium.rollback_plan"] := {"tier": "medium", "title": "Rollback plan is filled in", "evidence": ["rollback_plan"]}

epsilon := 0.000000001

# A regression is a quality score worse than the baseline; latency and cost are held to thresholds.
not_compared_to_baseline := {"latency_p50_s", "latency_p95_s", "cost_per_case_usd", "error_rate"}

eval_problem contains msg if {
	not input.evals.found
	msg := sprintf("no eval results at %s: run `eval` first", [input.evals.path])
}

eval_problem contains msg if {
	input.evals.found
	input.evals.stale
	msg := concat("", ["eval results are stale (", concat(", ", input.evals.changed), " changed since they ran): rerun `eval`"])
}

# -- medium.eval_thresholds ---------------------------------------------------------------------

threshold_miss contains msg if {
	some key, limit in input.governance.evals.thresholds
	not endswith(key, "_max")
	value := object.get(input.evals.metrics, key, null)
	value != null
	value < limit - epsilon
	msg := sprintf("%s = %.3f below %v", [key, value, limit])
}

threshold_miss contains msg if {
	some key, limit in input.governance.evals.thresholds
	endswith(key, "_max")
	metric := trim_suffix(key, "_max")
	value := object.get(input.evals.metrics, metric, null)
	value != null
	value > limit + epsilon
	msg := sprintf("%s = %.3f above %v", [metric, value, limit])
}

threshold_miss contains msg if {
	some key, _ in input.governance.evals.thresholds
	metric := trim_suffix(key, "_max")
	object.get(input.evals.metrics, metric, null) == null
	msg := sprintf("%s not measured by any case", [metric])
}

deny contains {"control": "medium.eval_thresholds", "message": msg} if {
	applies("medium.eval_thresholds")
	some msg in eval_problem
}

deny contains {"control": "medium.eval_thresholds", "message": msg} if {
	applies("medium.eval_thresholds")
	count(eval_problem) == 0
	count(threshold_miss) > 0
	msg := concat("", ["eval thresholds missed: ", concat("; ", sort(threshold_miss))])
}

deny contains {"control": "medium.eval_thresholds", "message": msg} if {
	applies("medium.eval_thresholds")
	count(eval_problem) == 0
	input.evals.errors > 0
	msg := sprintf("%d eval case(s) crashed instead of answering", [input.evals.errors])
}

# -- medium.no_regression -----------------------------------------------------------------------

regressed(name, before, now) if {
	metric_direction(name) == "higher"
	now < (before - input.governance.evals.regression_tolerance) - epsilon
}

regressed(name, before, now) if {
	metric_direction(name) == "lower"
	now > (before + input.governance.evals.regression_tolerance) + epsilon
}

metric_direction(name) := object.get(input.evals.directions, name, "higher")

regression contains msg if {
	some name, before in input.evals.baseline.metrics
	not name in not_compared_to_baseline
	now := object.get(input.evals.metrics, name, null)
	now != null
	regressed(name, before, now)
	msg := sprintf("%s %.3f -> %.3f", [name, before, now])
}

regression contains msg if {
	some name, _ in input.evals.baseline.metrics
	not name in not_compared_to_baseline
	object.get(input.evals.metrics, name, null) == null
	msg := sprintf("%s no longer measured", [name])
}

deny contains {"control": "medium.no_regression", "message": msg} if {
	applies("medium.no_regression")
	some msg in eval_problem
}

deny contains {"control": "medium.no_regression", "message": msg} if {
	applies("medium.no_regression")
	not input.evals.baseline.found
	msg := sprintf("no committed baseline at %s: run `eval --update-baseline` and commit it", [input.evals.baseline.path])
}

deny contains {"control": "medium.no_regression", "message": msg} if {
	applies("medium.no_regression")
	count(eval_problem) == 0
	count(regression) > 0
	msg := concat("", [sprintf("regressed beyond tolerance %v against %s: ", [input.governance.evals.regression_tolerance, input.evals.baseline.path]), concat("; ", sort(regression))])
}

# -- medium.shadow_test -------------------------------------------------------------------------

deny contains {"control": "medium.shadow_test", "message": msg} if {
	applies("medium.shadow_test")
	not input.shadow.found
	msg := sprintf("no shadow test report at %s: run `shadow` (with --candidate for a change)", [input.shadow.path])
}

deny contains {"control": "medium.shadow_test", "message": msg} if {
	applies("medium.shadow_test")
	input.shadow.found
	input.shadow.stale
	msg := "shadow test ran against an older configuration: rerun `shadow`"
}

deny contains {"control": "medium.shadow_test", "message": msg} if {
	applies("medium.shadow_test")
	input.shadow.found
	count(input.shadow.regressions) > 0
	msg := concat("", [sprintf("candidate %s regressed beyond tolerance: ", [input.shadow.candidate]), concat(", ", input.shadow.regressions)])
}

# -- medium.rollback_plan -----------------------------------------------------------------------

deny contains {"control": "medium.rollback_plan", "message": msg} if {
	applies("medium.rollback_plan")
	not input.rollback_plan.found
	msg := sprintf("no rollback plan at %s", [input.rollback_plan.path])
}

deny contains {"control": "medium.rollback_plan", "message": msg} if {
	applies("medium.rollback_plan")
	input.rollback_plan.found
	input.rollback_plan.template_marker
	msg := sprintf("%s is the untouched template: fill it in and delete the TEMPLATE marker", [input.rollback_plan.path])
}

deny contains {"control": "medium.rollback_plan", "message": msg} if {
	applies("medium.rollback_plan")
	input.rollback_plan.found
	count(input.rollback_plan.todo_lines) > 0
	msg := concat("", [sprintf("%s still has TODO on line(s) ", [input.rollback_plan.path]), concat(", ", [sprintf("%d", [n]) | some n in input.rollback_plan.todo_lines])])
}

deny contains {"control": "medium.rollback_plan", "message": msg} if {
	applies("medium.rollback_plan")
	input.rollback_plan.found
	count(input.rollback_plan.missing_sections) > 0
	msg := concat("", [sprintf("%s lacks section(s): ", [input.rollback_plan.path]), concat(", ", input.rollback_plan.missing_sections)])
}

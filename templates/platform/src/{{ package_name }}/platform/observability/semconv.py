"""Every span, attribute and metric name the platform emits, in one place.

The `gen_ai.*` names follow the OpenTelemetry GenAI semantic conventions. They are written out
here rather than imported from `opentelemetry-semantic-conventions`, because that package moves
the still-evolving GenAI names between modules and releases; a dashboard should not break when a
dependency is bumped. The `paved_roads.*` names are the platform's own, shared by every generated
project so one fleet dashboard can read them all.
"""
# ruff: noqa: S105 - "token" in these names counts LLM tokens; none of them is a secret

# --- GenAI spans (client spans named "{operation} {request_model}") ---------------------------
GEN_AI_OPERATION_NAME = "gen_ai.operation.name"  # chat, text_completion, embeddings, ...
GEN_AI_PROVIDER_NAME = "gen_ai.provider.name"
GEN_AI_SYSTEM = "gen_ai.system"  # the older name of gen_ai.provider.name; older backends group by it
GEN_AI_REQUEST_MODEL = "gen_ai.request.model"
GEN_AI_RESPONSE_MODEL = "gen_ai.response.model"
GEN_AI_USAGE_INPUT_TOKENS = "gen_ai.usage.input_tokens"
GEN_AI_USAGE_OUTPUT_TOKENS = "gen_ai.usage.output_tokens"
GEN_AI_INPUT_MESSAGES = "gen_ai.input.messages"  # opt-in content, only with record_content
GEN_AI_OUTPUT_MESSAGES = "gen_ai.output.messages"  # opt-in content, only with record_content
ERROR_TYPE = "error.type"

# --- GenAI metrics ------------------------------------------------------------------------------
GEN_AI_CLIENT_TOKEN_USAGE = "gen_ai.client.token.usage"  # histogram, {token}
GEN_AI_CLIENT_OPERATION_DURATION = "gen_ai.client.operation.duration"  # histogram, s
GEN_AI_TOKEN_TYPE = "gen_ai.token.type"
TOKEN_TYPE_INPUT = "input"
TOKEN_TYPE_OUTPUT = "output"
# Bucket boundaries the conventions advise, so histograms line up with other GenAI services.
TOKEN_USAGE_BUCKETS = (1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864)
DURATION_BUCKETS = (0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92)

# --- Resource -----------------------------------------------------------------------------------
SERVICE_NAME = "service.name"

# --- paved-roads attributes ---------------------------------------------------------------------
FEATURE = "paved_roads.feature"
GUARD_NAME = "paved_roads.guard.name"
GUARD_ACTION = "paved_roads.guard.action"
AUDIT_ACTION = "paved_roads.audit.action"
AUDIT_DECISION = "paved_roads.audit.decision"
BUDGET_PERIOD = "paved_roads.budget.period"  # day | month (UTC)
BUDGET_LEVEL = "paved_roads.budget.level"  # soft | hard
BUDGET_OUTCOME = "paved_roads.budget.outcome"  # blocked | degraded
EVAL_METRIC = "paved_roads.eval.metric"
EVAL_BOUND = "paved_roads.eval.bound"  # min | max

# --- paved-roads metrics and events -------------------------------------------------------------
GUARD_VERDICTS = "paved_roads.guard.verdicts"  # counter, {verdict}, by guard and action
COST = "paved_roads.cost"  # counter, USD, by feature and response model
BUDGET_REMAINING = "paved_roads.budget.remaining"  # gauge, USD, by feature
AUDIT_APPENDS = "paved_roads.audit.appends"  # counter, {record}, by action and decision
BUDGET_ANOMALIES = "paved_roads.budget.anomalies"  # counter, {alert}, by feature
BUDGET_SPENT = "paved_roads.budget.spent"  # gauge, USD, by feature and period: spend so far this day/month
BUDGET_LIMIT = "paved_roads.budget.limit"  # gauge, USD, by period and level: governance.yml's limits
BUDGET_HARD_LIMIT = "paved_roads.budget.hard_limit"  # counter, {call}, by feature and outcome
EVAL_SCORE = "paved_roads.eval.score"  # gauge, by metric: the latest eval report's value
EVAL_THRESHOLD = "paved_roads.eval.threshold"  # gauge, by metric and bound: governance.yml's threshold
GUARD_VERDICT_EVENT = "paved_roads.guard.verdict"  # span event on the active span

# --- HTTP server metrics (OpenTelemetry FastAPI instrumentation, stable HTTP conventions) ----------
HTTP_SERVER_REQUEST_DURATION = "http.server.request.duration"  # histogram, s, by route, method and status
# The instrumentation's default bucket bounds; a latency SLO threshold must be one of them.
HTTP_SERVER_DURATION_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0)

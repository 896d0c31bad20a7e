"""The runs API: `POST /api/v1/runs` logs a run, `GET /api/v1/runs?module=<slug>` lists them.

Token-authenticated only (learners/experiments/tokens.py). Every answer is JSON, errors too:
`{"error": code, "message": …, "fields": {field: [messages]}}`. docs/api.md is the reference.
"""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from config.site import absolute_url
from curriculum.models import Module, slug_param
from learners.experiments import payload, tokens
from learners.experiments.models import Run
from learners.experiments.runs import IdempotencyConflict, create_run, run_json

LIST_LIMIT = 50
MAX_LIST_LIMIT = 200
MAX_OFFSET = 100_000


def error(
    status: int,
    code: str,
    message: str,
    *,
    fields: dict[str, list[str]] | None = None,
    headers: dict[str, str] | None = None,
) -> JsonResponse:
    body: dict = {"error": code, "message": message}
    if fields:
        body["fields"] = fields
    response = JsonResponse(body, status=status, headers=headers)
    response["Cache-Control"] = "no-store"
    return response


def answer(data: dict, *, status: int = 200, headers: dict[str, str] | None = None):
    response = JsonResponse(data, status=status, headers=headers)
    response["Cache-Control"] = "no-store"
    return response


# CSRF protects requests a browser makes with its cookies. This view never reads cookies or
# the session: it answers only to an `Authorization: Bearer` token, which a browser never
# adds by itself, so a forged cross-site request has nothing to ride on. A request carrying a
# session cookie and no token gets 401 like any other.
@csrf_exempt
def api_runs(request: HttpRequest) -> JsonResponse:
    if request.method not in {"GET", "POST"}:
        return error(405, "method_not_allowed", "Use GET or POST.", headers={"Allow": "GET, POST"})
    presented = tokens.bearer_token(request.headers.get("Authorization", ""))
    token = tokens.find_token(presented) if presented else None
    if token is None:
        challenge = 'Bearer realm="Trajectory API"'
        if presented:
            challenge += ', error="invalid_token"'
        message = (
            "This token is unknown or revoked. Make a new one on /settings/tokens/."
            if presented
            else "Send your API token: Authorization: Bearer trj_…"
        )
        return error(401, "unauthorized", message, headers={"WWW-Authenticate": challenge})
    throttled = tokens.spend(token)
    if throttled:
        return error(
            429,
            "too_many_requests",
            f"At most {tokens.RATE_LIMIT} requests a minute per token. "
            f"Try again in {throttled.retry_after} s.",
            headers={"Retry-After": str(throttled.retry_after)},
        )
    if request.method == "POST":
        return _create(request, token.learner)
    return _list(request, token.learner)


def _create(request: HttpRequest, learner) -> JsonResponse:
    # Refuse by the declared length before reading a byte: the body is never buffered.
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > payload.MAX_BODY_BYTES:
        return error(
            413,
            "too_large",
            f"The body is {length:,} bytes; the limit is {payload.MAX_BODY_BYTES:,}. "
            "Long diffs are cut by the client; send fewer curve points.",
        )
    key = request.headers.get("Idempotency-Key")
    if key is not None and not payload.valid_idempotency_key(key):
        return error(
            400,
            "invalid",
            "The request has errors.",
            fields={
                "Idempotency-Key": [
                    f"1 to {payload.MAX_IDEMPOTENCY_KEY} visible ASCII characters, e.g. a UUID."
                ]
            },
        )
    try:
        data = payload.parse_json(request.body)
    except payload.BadJson as problem:
        return error(400, "invalid_json", str(problem))
    run_input, problems = payload.validate(data)
    if run_input is None:
        return error(400, "invalid", "The request has errors.", fields=problems)
    module = Module.objects.filter(slug=run_input.module).first()
    if module is None or module.is_retired:
        return error(
            404,
            "unknown_module",
            f"No module “{run_input.module}” in the catalogue.",
            fields={"module": ["Unknown module: use a slug from the catalogue's module URLs."]},
        )
    try:
        run, created = create_run(
            learner, module, run_input, key=key, digest=payload.request_hash(data)
        )
    except IdempotencyConflict as conflict:
        return error(
            422,
            "idempotency_key_reused",
            f"This Idempotency-Key made run {conflict.run.pk} from a different body. "
            "Use a new key for a new run.",
        )
    body = run_json(run, list(run.metrics.all()))
    headers = {"Location": body["url"]}
    if not created:
        headers["Idempotent-Replayed"] = "true"
    return answer(body, status=201 if created else 200, headers=headers)


def _list(request: HttpRequest, learner) -> JsonResponse:
    problems: dict[str, list[str]] = {}
    limit = _int_param(request, "limit", LIST_LIMIT, 1, MAX_LIST_LIMIT, problems)
    offset = _int_param(request, "offset", 0, 0, MAX_OFFSET, problems)
    if problems:
        return error(400, "invalid", "The request has errors.", fields=problems)
    runs = Run.objects.for_learner(learner).select_related("module").prefetch_related("metrics")
    slug = request.GET.get("module")
    if slug is not None:
        module = Module.objects.filter(slug=slug_param(slug)).first()
        if module is None:
            return error(
                404,
                "unknown_module",
                f"No module “{slug[:120]}” in the catalogue.",
                fields={"module": ["Unknown module."]},
            )
        runs = runs.filter(module=module)
    page = list(runs[offset : offset + limit + 1])
    next_url = None
    if len(page) > limit:
        page = page[:limit]
        query = request.GET.copy()
        query["offset"] = str(offset + limit)
        query["limit"] = str(limit)
        next_url = absolute_url(f"{request.path}?{query.urlencode()}")
    return answer(
        {"runs": [run_json(run, list(run.metrics.all())) for run in page], "next": next_url}
    )


def _int_param(request, name: str, default: int, low: int, high: int, problems) -> int:
    raw = request.GET.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        value = low - 1
    if not low <= value <= high:
        problems[name] = [f"A whole number from {low} to {high:,}."]
        return default
    return value

"""Broken Worlds for the hooks invariants (HOOK, §4.4)."""

from __future__ import annotations

import posixpath
from datetime import timedelta
from typing import Any

from reference_worlds.paging import page
from tests.broken_worlds.base import BrokenWorld, Params
from worldspec import errors
from worldspec.entities import TERMINAL_RUN_STATUSES, Hook
from worldspec.events import TERMINAL_RUN_EVENT_TYPES, EventRequest, EventResult
from worldspec.pagination import PaginatedResponse, PaginationOptions, ResolveData
from worldspec.resolve_data import strip_entity
from worldspec.wire_types import MISSING


class HookDropsIsWebhookFalse(BrokenWorld, breaks={"EVT-006", "EVT-011", "HOOK-001"}):
    """Stores ``isWebhook: false`` as absent (``isWebhook || undefined``), which reads as true."""

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        if event.event_type == "hook_created" and event.event_data.is_webhook is False:
            data = event.event_data.model_copy(update={"is_webhook": MISSING})
            event = event.model_copy(update={"event_data": data})
        return await super().on_create(run_id, event, params)


class HookConflictNotLogged(BrokenWorld, breaks={"EVT-002", "EVT-006", "HOOK-002", "HOOK-003"}):
    """Returns the hook_conflict event but does not store it."""

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        result = await super().on_create(run_id, event, params)
        if result.event is not MISSING and result.event.event_type == "hook_conflict":
            log = self.state.events[str(run_id)]
            log[:] = [stored for stored in log if stored.event_id != result.event.event_id]
        return result


class HookIdReusableAfterDispose(BrokenWorld, breaks={"HOOK-004"}):
    """Forgets a disposed hook's ``(runId, hookId)``, so hook_created may reuse it."""

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        result = await super().on_create(run_id, event, params)
        if event.event_type == "hook_disposed":
            self.state.hooks_ever.discard((str(run_id), str(event.correlation_id)))
        return result


class HookReceivedUpdatesHook(BrokenWorld, breaks={"HOOK-005"}):
    """Stores the latest received payload as the hook's metadata."""

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        result = await super().on_create(run_id, event, params)
        key = (str(run_id), str(event.correlation_id))
        if event.event_type == "hook_received" and key in self.state.hooks:
            sequence, hook = self.state.hooks[key]
            payload = event.event_data.payload
            self.state.hooks[key] = (sequence, hook.model_copy(update={"metadata": payload}))
        return result


class ReceivedOnMissingHookIsWorldError(BrokenWorld, breaks={"HOOK-006", "HOOK-010", "LEG-003"}):
    """Refuses hook_received on a missing hook with WorkflowWorldError, not HookNotFoundError."""

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        try:
            return await super().on_create(run_id, event, params)
        except errors.HookNotFoundError as error:
            if event.event_type != "hook_received":
                raise
            raise errors.WorkflowWorldError(str(error), status=404) from None


class HooksFoundByHookIdAlone(BrokenWorld, breaks={"HOOK-006"}):
    """Finds the hook of hook_received and hook_disposed by its hookId alone (one record per
    hookId, the run forgotten): a run receives on, or disposes of, another run's hook."""

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        own = (str(run_id), str(event.correlation_id))
        found = next((key for key in self.state.hooks if key[1] == event.correlation_id), None)
        if event.event_type not in ("hook_received", "hook_disposed") or own in self.state.hooks or not found:
            return await super().on_create(run_id, event, params)
        sequence, hook = self.state.hooks[found]
        self.state.hooks[own] = (sequence, hook.model_copy(update={"run_id": str(run_id)}))
        try:
            result = await super().on_create(run_id, event, params)
        finally:
            self.state.hooks.pop(own, None)
        if event.event_type == "hook_disposed":
            self.state.hooks.pop(found, None)
            if self.state.tokens.get(hook.token) == found:
                del self.state.tokens[hook.token]
        return result


class EndedRunRefusesHookEventsAsConflicts(BrokenWorld, breaks={"HOOK-006"}):
    """Runs one terminal guard before any entity lookup and answers every hook event on an ended
    run with the ``EntityConflictError`` it gives creates there, instead of the
    ``HookNotFoundError`` of a hook the run's end released (the runtime then takes the resume
    for a harmless duplicate)."""

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        run = self.stored_run(run_id)
        ended = run is not None and run.status in TERMINAL_RUN_STATUSES
        if ended and event.event_type in ("hook_received", "hook_disposed"):
            raise errors.EntityConflictError(f'Workflow run "{run_id}" is already {run.status}')
        return await super().on_create(run_id, event, params)


class HooksGetFindsDisposed(BrokenWorld, breaks={"HOOK-007"}):
    """``hooks.get`` still returns a hook after its hook_disposed (read from an archive)."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.disposed: dict[str, Hook] = {}

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        hook = self.state.hooks.get((str(run_id), str(event.correlation_id)))
        result = await super().on_create(run_id, event, params)
        if event.event_type == "hook_disposed" and hook is not None:
            self.disposed[hook[1].hook_id] = hook[1]
        return result

    async def on_get_hook(self, hook_id: str, **options: Any) -> Hook:
        try:
            return await super().on_get_hook(hook_id, **options)
        except errors.HookNotFoundError:
            if hook_id in self.disposed:
                return self.disposed[hook_id]
            raise


class EndedRunKeepsHooks(BrokenWorld, breaks={"HOOK-006", "HOOK-008", "TERM-002", "LEG-003"}):
    """Keeps a run's hooks (and their tokens) after the run ends, a legacy run's cancel included;
    they still receive."""

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        kept = {key: entry for key, entry in self.state.hooks.items() if key[0] == run_id}
        result = await super().on_create(run_id, event, params)
        if event.event_type in TERMINAL_RUN_EVENT_TYPES:
            self.state.hooks.update(kept)
            self.state.tokens.update({hook.token: key for key, (_, hook) in kept.items()})
        return result


class HookGettersMissWithWorldError(BrokenWorld, breaks={"HOOK-009", "HOOK-010"}):
    """``hooks.get`` and ``getByToken`` misses raise WorkflowWorldError (404), not
    HookNotFoundError."""

    async def on_get_hook(self, hook_id: str, **options: Any) -> Hook:
        try:
            return await super().on_get_hook(hook_id, **options)
        except errors.HookNotFoundError as error:
            raise errors.WorkflowWorldError(str(error), status=404) from None

    async def on_get_hook_by_token(self, token: str, **options: Any) -> Hook:
        try:
            return await super().on_get_hook_by_token(token, **options)
        except errors.HookNotFoundError as error:
            raise errors.WorkflowWorldError(str(error), status=404) from None


class _FoldedKeys(dict[str, tuple[str, str]]):
    """A token index whose keys compare as ``fold`` makes them: case-insensitively by default,
    as a ``citext`` column does."""

    @staticmethod
    def fold(token: str) -> str:
        return token.casefold()

    def __setitem__(self, token: str, key: tuple[str, str]) -> None:
        super().__setitem__(self.fold(token), key)

    def __getitem__(self, token: str) -> tuple[str, str]:
        return super().__getitem__(self.fold(token))

    def __delitem__(self, token: str) -> None:
        super().__delitem__(self.fold(token))

    def __contains__(self, token: object) -> bool:
        return isinstance(token, str) and super().__contains__(self.fold(token))

    def get(self, token: str, default: Any = None) -> Any:  # type: ignore[override]
        return super().get(self.fold(token), default)


class TokensCompareWithoutCase(BrokenWorld, breaks={"HOOK-002"}):
    """Keeps the token index in a case-insensitive column (``citext``, or a ``LOWER(token)``
    unique index): a token that differs from a held one only in case, or by a letter whose case
    folding changes it (ß, SS), is refused as held, and ``getByToken`` finds the other twin."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.state.tokens = _FoldedKeys()


class _PaddedKeys(_FoldedKeys):
    """A token index whose keys compare with trailing spaces ignored, as a ``VARCHAR`` under a
    PAD SPACE collation does."""

    @staticmethod
    def fold(token: str) -> str:
        return token.rstrip(" ")


class TokensCompareWithPadSpace(BrokenWorld, breaks={"HOOK-002"}):
    """Keeps tokens in a MySQL ``VARCHAR(255) COLLATE utf8mb4_bin`` column with a unique key,
    chosen because the default collation ignores case: but ``utf8mb4_bin`` is a PAD SPACE
    collation, so a token that differs from a held one only by trailing spaces is refused as
    held, and ``getByToken`` finds the other twin."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.state.tokens = _PaddedKeys()


class HookResultStampedByTheAppClock(BrokenWorld, breaks={"HOOK-001"}):
    """Answers ``hook_created`` with the hook it built in code, ``createdAt`` from the
    application's clock, while the row takes the database's ``now()``, 3 ms later."""

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        result = await super().on_create(run_id, event, params)
        if result.hook is not MISSING:
            key = (result.hook.run_id, result.hook.hook_id)
            sequence, hook = self.state.hooks[key]
            later = hook.created_at + timedelta(milliseconds=3)
            self.state.hooks[key] = (sequence, hook.model_copy(update={"created_at": later}))
        return result


class TokenIndexKeepsTheFirstHolder(BrokenWorld, breaks={"HOOK-007", "HOOK-008"}):
    """Resolves ``getByToken`` through a token index written with ``INSERT ... ON CONFLICT DO
    NOTHING`` and never cleaned when a hook goes: a token freed by a disposal or by its run's
    end and taken by a new hook still points at its first holder, so ``getByToken`` misses the
    new hook."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.token_index: dict[str, str] = {}

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        result = await super().on_create(run_id, event, params)
        if result.hook is not MISSING:
            self.token_index.setdefault(result.hook.token, result.hook.hook_id)
        return result

    async def on_get_hook_by_token(self, token: str, **options: Any) -> Hook:
        if token not in self.token_index:
            return await super().on_get_hook_by_token(token, **options)
        try:
            return await self.memory_hooks.get(self.token_index[token], **options)
        except errors.HookNotFoundError:
            raise errors.HookNotFoundError(token) from None


class AllHooksIndexKeepsDisposed(BrokenWorld, breaks={"HOOK-007", "HOOK-008"}):
    """Answers ``hooks.list()`` without a runId from a global sorted set ``hooks:all`` that
    ``hook_created`` adds to and nothing ever trims (the hook records live in it, as the
    per-run sets are kept right by hand): disposed hooks and the hooks of ended runs stay
    listed there."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.every_hook: list[Hook] = []

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        result = await super().on_create(run_id, event, params)
        if event.event_type == "hook_created" and result.hook is not MISSING:
            self.every_hook.append(result.hook)
        return result

    async def on_list_hooks(
        self,
        *,
        run_id: str | None = None,
        pagination: PaginationOptions | None = None,
        resolve_data: ResolveData = "all",
    ) -> PaginatedResponse[Hook]:
        if run_id is not None:
            return await super().on_list_hooks(
                run_id=run_id, pagination=pagination, resolve_data=resolve_data
            )
        found = page(list(enumerate(self.every_hook)), lambda entry: entry[0], pagination, "asc")
        return PaginatedResponse[Hook](
            data=[strip_entity(hook, resolve_data) for _, hook in found.data],
            cursor=found.cursor,
            has_more=found.has_more,
        )


class RunEndFreesTokensItNoLongerHolds(BrokenWorld, breaks={"HOOK-008"}):
    """Remembers each token a run's hooks took (``SADD run:<id>:tokens``, never undone by
    ``hook_disposed``) and at every terminal run event deletes each ``token:<t>`` outright,
    without checking that it still names one of the run's hooks: a token the run gave up and
    another run's live hook took since is freed under that hook, whose token a third run then
    takes."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.tokens_taken: dict[str, set[str]] = {}

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        result = await super().on_create(run_id, event, params)
        if event.event_type == "hook_created" and result.hook is not MISSING:
            self.tokens_taken.setdefault(result.hook.run_id, set()).add(result.hook.token)
        if event.event_type in TERMINAL_RUN_EVENT_TYPES:
            for token in self.tokens_taken.get(str(run_id), set()):
                self.state.tokens.pop(token, None)
        return result


class _TokenFiles(_FoldedKeys):
    """A token index kept as one file per token at ``path.join(dir, token)``, which collapses
    ``/./``, ``//`` and ``x/..`` in the token."""

    @staticmethod
    def fold(token: str) -> str:
        return posixpath.normpath(posixpath.join("tokens", token))


class TokensStoredAsFilePaths(BrokenWorld, breaks={"HOOK-002"}):
    """Keeps its token index as a file per token named ``path.join(tokensDir, token)``: a token
    holding ``/./`` and the token without it are one file, so the second is refused as held
    and ``getByToken`` of either finds the first one's hook."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.state.tokens = _TokenFiles()

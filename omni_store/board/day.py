"""The day's task figures for the mission board, scoped to the current store: completions,
tasks created and due, counts by kind, who does what, the hourly chart.

Every figure is counted from the rows themselves (tasks, task events), so a past day reads
the history the same way as today.
"""
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Row, and_, func, or_, select

from omni_store.auth.models import User
from omni_store.auth.scoping import current_store
from omni_store.extensions import db
from omni_store.network.models import WEEKDAYS, Location
from omni_store.shuttles.queries import today_at
from omni_store.tasks.models import OPEN_TASK_STATUSES, Task, TaskEvent, TaskKind, TaskStatus

# Every status but cancelled, named one by one so that the (store, status, due) index serves.
NOT_CANCELLED = frozenset(TaskStatus) - {TaskStatus.CANCELLED}
# The hourly chart covers at least these local hours when the store has no opening hours.
DEFAULT_HOURS = (8, 20)


def day_bounds(store: Location, day: date) -> tuple[datetime, datetime]:
    """The store's local day as a UTC interval [start, end)."""
    start = datetime.combine(day, time.min, tzinfo=ZoneInfo(store.timezone)).astimezone(UTC)
    return start, start + timedelta(days=1)


# --- the day's completions -------------------------------------------------------------


@dataclass(frozen=True)
class Completions:
    done: list[Row]  # each task finished that day: task_id, kind, actor_id, at
    claims: dict[int, list[datetime]]  # when each of those tasks was claimed


def completions(day: date) -> Completions:
    """The tasks finished that day at the store and when each was claimed, in one read: the
    counts by kind, the people and the hourly chart all count from it."""
    store = current_store()
    start, end = day_bounds(store, day)
    that_day = (TaskEvent.created_at >= start, TaskEvent.created_at < end)
    finished = (
        select(TaskEvent.task_id).join(Task)
        .where(Task.location_id == store.id, TaskEvent.to_status == TaskStatus.DONE, *that_day)
    )
    found = Completions([], defaultdict(list))
    for event in db.session.execute(
        select(TaskEvent.task_id, Task.kind, TaskEvent.actor_id, TaskEvent.created_at.label("at"),
               TaskEvent.to_status)
        .join(Task)
        .where(TaskEvent.task_id.in_(finished),
               or_(and_(TaskEvent.to_status == TaskStatus.DONE, *that_day),
                   and_(TaskEvent.from_status == TaskStatus.OPEN,
                        TaskEvent.to_status == TaskStatus.IN_PROGRESS)))
    ):
        if event.to_status == TaskStatus.DONE:
            found.done.append(event)
        else:
            found.claims[event.task_id].append(event.at)
    return found


# --- the day's tasks ------------------------------------------------------------------


@dataclass(frozen=True)
class DayTasks:
    created: list[str]  # the kind of each task created that day
    due: list[datetime]  # when each task due that day is due (cancelled ones excepted)


def day_tasks(day: date) -> DayTasks:
    """The tasks created or due that day at the store, in one read (an index for each side):
    the counts by kind and the hourly chart count from it."""
    store = current_store()
    start, end = day_bounds(store, day)
    found = DayTasks([], [])
    for kind, status, created_at, due_at in db.session.execute(
        select(Task.kind, Task.status, Task.created_at, Task.due_at)
        .where(Task.location_id == store.id,
               or_(and_(Task.created_at >= start, Task.created_at < end),
                   and_(Task.status.in_(NOT_CANCELLED), Task.due_at >= start, Task.due_at < end)))
    ):
        if start <= created_at < end:
            found.created.append(kind)
        if status != TaskStatus.CANCELLED and start <= due_at < end:
            found.due.append(due_at)
    return found


# --- tasks by kind ----------------------------------------------------------------------


@dataclass
class KindCounts:
    kind: TaskKind
    open: int = 0  # now, waiting for someone (today only)
    in_progress: int = 0  # now, claimed (today only)
    exception: int = 0  # now, stopped by a problem (today only)
    created: int = 0  # created that day
    done: int = 0  # finished that day

    @property
    def any(self) -> bool:
        return any((self.open, self.in_progress, self.exception, self.created, self.done))


def task_counts(day: date, tasks: DayTasks, done: Completions) -> list[KindCounts]:
    """Per task kind: current open work (today) and what was created and finished that day."""
    store = current_store()
    counts = {kind: KindCounts(kind) for kind in TaskKind}
    if day == today_at(store):
        for kind, status, number in db.session.execute(
            select(Task.kind, Task.status, func.count()).where(
                Task.location_id == store.id,
                Task.status.in_(OPEN_TASK_STATUSES | {TaskStatus.EXCEPTION}))
            .group_by(Task.kind, Task.status)
        ):
            setattr(counts[TaskKind(kind)], TaskStatus(status).value, number)
    for kind, number in Counter(tasks.created).items():
        counts[TaskKind(kind)].created = number
    finished = {event.task_id: event.kind for event in done.done}  # a task finished twice counts once
    for kind, number in Counter(finished.values()).items():
        counts[TaskKind(kind)].done = number
    return [entry for entry in counts.values() if entry.any]



# --- people -----------------------------------------------------------------------------


@dataclass
class Person:
    user: User
    working_on: list[Row] = field(default_factory=list)  # claimed now (today only): rows of open_work
    done: int = 0  # tasks they finished that day
    average: timedelta | None = None  # from claim (or assignment) to done, that day

    @property
    def average_minutes(self) -> int | None:
        return None if self.average is None else round(self.average.total_seconds() / 60)


def people(done: Completions, work: list[Row]) -> list[Person]:
    """Who does what: each active person of the store, busiest first; what they are on now
    comes from today's open work (none for a past day)."""
    store = current_store()
    by_user = {user.id: Person(user) for user in db.session.scalars(
        select(User).where(User.store_id == store.id, User.active.is_(True)).order_by(User.name))}
    for task in work:
        if task.status == TaskStatus.IN_PROGRESS and task.assignee_id in by_user:
            by_user[task.assignee_id].working_on.append(task)
    durations = defaultdict(list)
    for task_id, _kind, actor_id, done_at, _status in done.done:
        if actor_id not in by_user:
            continue
        by_user[actor_id].done += 1
        started = [at for at in done.claims.get(task_id, ()) if at <= done_at]
        if started:
            durations[actor_id].append(done_at - max(started))
    for user_id, spans in durations.items():
        by_user[user_id].average = sum(spans, timedelta()) / len(spans)
    return sorted(by_user.values(), key=lambda p: (-len(p.working_on), -p.done, p.user.name))



# --- hourly chart -----------------------------------------------------------------------


@dataclass(frozen=True)
class HourBar:
    hour: int  # local hour of the store
    done: int  # tasks finished in that hour
    due: int  # tasks due in that hour (cancelled ones excepted)


def hourly(day: date, tasks: DayTasks, done_that_day: Completions) -> list[HourBar]:
    """Completions per local hour against tasks due per hour, over the opening hours."""
    store = current_store()
    zone = ZoneInfo(store.timezone)
    done = Counter(event.at.astimezone(zone).hour for event in done_that_day.done)
    due = Counter(at.astimezone(zone).hour for at in tasks.due)
    first, last = _opening_hours(store, day)
    hours = set(done) | set(due)
    first, last = min(hours | {first}), max(hours | {last})
    return [HourBar(hour, done[hour], due[hour]) for hour in range(first, last + 1)]


def _opening_hours(store: Location, day: date) -> tuple[int, int]:
    """First and last local hour the store is open that day (closing at 20:00: last is 19)."""
    spans = (store.opening_hours or {}).get(WEEKDAYS[day.weekday()]) or []
    if not spans:
        return DEFAULT_HOURS
    opens = min(int(span[0][:2]) for span in spans)
    closes = max(span[1] for span in spans)
    return opens, max(opens, int(closes[:2]) - (1 if closes.endswith(":00") else 0))


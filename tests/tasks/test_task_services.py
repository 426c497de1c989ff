import pytest

from omni_store.auth.models import Role
from omni_store.tasks.models import TaskStatus
from omni_store.tasks.services import TaskConflict, claim_task, complete_task, release_task
from tests import factories


def test_second_claim_is_refused_and_first_keeps_the_task(db):
    s = factories.store()
    alice, bob = factories.user(Role.ASSOCIATE, s), factories.user(Role.ASSOCIATE, s)
    task = factories.task(s)
    claim_task(task, alice.id)
    with pytest.raises(TaskConflict, match="Someone else"):
        claim_task(task, bob.id)
    assert (task.status, task.assignee_id) == (TaskStatus.IN_PROGRESS, alice.id)


def test_double_tap_claim_is_harmless_and_history_is_kept(db):
    s = factories.store()
    alice = factories.user(Role.ASSOCIATE, s)
    task = factories.task(s)
    claim_task(task, alice.id)
    claim_task(task, alice.id)
    release_task(task, alice.id)
    claim_task(task, alice.id)
    complete_task(task, alice.id)
    assert [e.to_status for e in task.events] == ["open", "in_progress", "open", "in_progress", "done"]
    with pytest.raises(TaskConflict):
        complete_task(task, alice.id)

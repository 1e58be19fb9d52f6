"""labeling/services/instructions.py: versions are appended, never overwritten; acks are per version."""

from __future__ import annotations

import pytest

from config.exceptions import ApplicationError, NotFoundError
from labeling.models import InstructionAcknowledgement, InstructionVersion
from labeling.selectors.instructions import instructions_acknowledged, instructions_current
from labeling.services.instructions import instructions_acknowledge, instructions_publish

pytestmark = pytest.mark.django_db


def test_each_publish_is_a_new_version_and_old_text_stays(project, staff):
    v1 = instructions_publish(project=project, body="Label the animal.", created_by=staff)
    v2 = instructions_publish(project=project, body="Label the animal; birds too.", change_note="birds")
    assert (v1.version, v2.version) == (1, 2)
    assert InstructionVersion.objects.get(pk=v1.pk).body == "Label the animal."
    assert instructions_current(project=project).pk == v2.pk
    assert list(project.instruction_versions.order_by("version").values_list("body", flat=True)) == [
        "Label the animal.",
        "Label the animal; birds too.",
    ]


def test_versions_are_numbered_per_project(make_project):
    a, b = make_project(), make_project()
    instructions_publish(project=a, body="a1")
    instructions_publish(project=a, body="a2")
    assert instructions_publish(project=b, body="b1").version == 1


def test_empty_body_is_refused(project):
    with pytest.raises(ApplicationError) as exc:
        instructions_publish(project=project, body="   ")
    assert exc.value.extra["code"] == "empty_instructions"
    assert not InstructionVersion.objects.exists()


def test_acknowledgement_is_for_the_current_version_only(project, make_rater):
    rater = make_rater(project)
    assert instructions_acknowledged(project=project, user=rater)  # nothing to acknowledge yet
    instructions_publish(project=project, body="v1")
    assert not instructions_acknowledged(project=project, user=rater)
    instructions_acknowledge(project=project, user=rater)
    assert instructions_acknowledged(project=project, user=rater)
    instructions_publish(project=project, body="v2")
    assert not instructions_acknowledged(project=project, user=rater)
    ack = instructions_acknowledge(project=project, user=rater)
    again = instructions_acknowledge(project=project, user=rater)
    assert ack.pk == again.pk and ack.instruction_version.version == 2
    assert InstructionAcknowledgement.objects.filter(user=rater).count() == 2


def test_acknowledging_without_instructions_is_not_found(project, make_rater):
    with pytest.raises(NotFoundError) as exc:
        instructions_acknowledge(project=project, user=make_rater(project))
    assert exc.value.extra["code"] == "no_instructions"

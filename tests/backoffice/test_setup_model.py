"""The setup page of a project's model options: saved by the API's own service, refused beside the field."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from backoffice.forms.model_settings import MODEL_FIELDS
from labeling.models import ModelSettings
from labeling.services.model_settings import FIELDS
from labeling.services.predictions import predictions_import
from tests.backoffice.test_model_use import _project
from tests.backoffice.test_setup import PASSWORD, lead  # noqa: F401 - the staff login fixture

pytestmark = pytest.mark.django_db


def _post(**overrides) -> dict:
    data = {
        "source_model": "",
        "source_version": "",
        "preannotations": "on",
        "preannotation_control_share": "0.3",
        "active_learning": "entropy",
        "active_learning_random_share": "0.25",
        "rater_model": "clf",
        "rater_version": "v1",
    }
    return {k: v for k, v in {**data, **overrides}.items() if v is not None}


def _url(project) -> str:
    return reverse("dashboard:setup_model", args=[project.pk])


def _api(client, project) -> dict:
    return client.get(f"/api/projects/{project.pk}/model-settings/").json()


def test_the_form_holds_every_option_the_service_accepts():
    assert set(MODEL_FIELDS) == FIELDS and len(MODEL_FIELDS) == len(FIELDS)


def test_staff_load_the_defaults_and_save_what_the_api_then_returns(client, lead):  # noqa: F811
    # Given a project with predictions and no saved options
    project = _project("model-setup", predictions=False)
    predictions_import(project=project, model="clf", version="v1", rows=[{"item": "x0", "value": "dog"}])
    # When staff open the page
    page = client.get(_url(project))
    html = page.content.decode()
    # Then it shows the defaults (all off), the predictions, the help texts and the step tab
    assert page.status_code == 200
    form = page.context["form"]
    assert form["preannotations"].value() is False and form["active_learning"].value() == "off"
    assert form["preannotation_control_share"].value() == 0.2
    assert "clf v1: 1 prediction" in html and 'id="no-predictions"' not in html
    assert "made once at random and stored" in html and 'class="on">Model</a>' in html
    # When they save every option
    response = client.post(_url(project), _post())
    # Then the page redirects back, and the API reads exactly what was saved
    assert response.status_code == 302 and response["Location"] == _url(project)
    api = _api(client, project)
    assert {k: api[k] for k in FIELDS} == {
        "source_model": "",
        "source_version": "",
        "preannotations": True,
        "preannotation_control_share": 0.3,
        "active_learning": "entropy",
        "active_learning_random_share": 0.25,
        "rater_model": "clf",
        "rater_version": "v1",
    }
    # And the reloaded page shows the saved state
    again = client.get(_url(project)).context["form"]
    assert again["preannotations"].value() is True and again["rater_model"].value() == "clf"
    # When an option is switched off (an unticked box is not posted)
    assert client.post(_url(project), _post(preannotations=None)).status_code == 302
    assert _api(client, project)["preannotations"] is False


def test_a_project_without_predictions_says_so_and_still_saves(client, lead):  # noqa: F811
    project = _project("no-preds", predictions=False)
    html = client.get(_url(project)).content.decode()
    assert 'id="no-predictions"' in html and "no predictions yet" in html
    assert client.post(_url(project), _post(rater_model="", rater_version="")).status_code == 302
    assert ModelSettings.objects.get(project=project).active_learning == "entropy"


@pytest.mark.parametrize(
    ("overrides", "field", "reason"),
    [
        ({"preannotation_control_share": "1.5"}, "preannotation_control_share", "between 0 and 1"),
        ({"active_learning_random_share": "-0.1"}, "active_learning_random_share", "between 0 and 1"),
        ({"rater_version": ""}, "rater_version", "needs both rater_model and rater_version"),
        ({"source_model": "m" * 101}, "source_model", "at most 100 characters"),
        ({"preannotation_control_share": "lots"}, "preannotation_control_share", "Enter a number"),
        ({"active_learning": "greedy"}, "active_learning", "Select a valid choice"),
    ],
)
def test_an_invalid_value_is_shown_beside_its_field_and_nothing_changes(
    client,
    lead,  # noqa: F811
    overrides,
    field,
    reason,
):
    # Given saved options
    project = _project("model-bad", predictions=True)
    before = _api(client, project)
    # When staff post one bad value
    response = client.post(_url(project), _post(**overrides))
    # Then the page answers 400 with the reason beside that field, and the stored options are unchanged
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert reason in " ".join(errors[field]), errors
    assert f'id="id_{field}_error"' in response.content.decode()
    assert _api(client, project) == before


def test_a_rater_and_an_anonymous_user_are_refused(client, make_user):
    project = _project("model-refused", predictions=True)
    before = _api_as_staff(make_user, project)
    response = client.get(_url(project))
    assert response.status_code == 302 and reverse("dashboard:login") in response["Location"]
    assert client.post(_url(project), _post()).status_code == 302
    client.force_login(make_user(name="rater"))
    response = client.post(_url(project), _post())
    assert response.status_code == 403 and response["X-Refusal-Code"] == "staff_only"
    assert client.get(_url(project)).status_code == 403
    assert _api_as_staff(make_user, project) == before


def _api_as_staff(make_user, project) -> dict:
    staff = Client()
    staff.force_login(make_user(staff=True))
    return _api(staff, project)


def test_other_methods_and_a_missing_csrf_token_change_nothing_like_the_settings_form(client, lead):  # noqa: F811
    project = _project("model-csrf", predictions=True)
    before = _api(client, project)
    settings_url = reverse("dashboard:setup_project_edit", args=[project.pk])
    # A PUT or DELETE carries no form: both setup forms answer with the unchanged page
    for method in ("put", "delete"):
        ours = getattr(client, method)(_url(project), _post(), content_type="application/x-www-form-urlencoded")
        theirs = getattr(client, method)(settings_url, {}, content_type="application/x-www-form-urlencoded")
        assert ours.status_code == theirs.status_code == 200
    assert _api(client, project) == before
    # A post without the CSRF token is refused by the middleware, as on every setup form
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(lead)
    assert strict.post(_url(project), _post()).status_code == 403
    assert strict.post(settings_url, {}).status_code == 403
    assert _api(client, project) == before
    # And the page itself carries the token for the browser's post
    assert 'name="csrfmiddlewaretoken"' in strict.get(_url(project)).content.decode()


def test_the_checklist_says_whether_the_model_vote_counts(
    client,
    lead,  # noqa: F811
    tmp_path,
    settings,
    django_capture_on_commit_callbacks,
):
    from labeling.services.resolution import project_resolve
    from tests.labeling.test_machine_vote_in_resolution import _crowd
    from tests.labeling.test_machine_vote_in_resolution import _project as _crowd_project

    settings.LABELING = {**getattr(settings, "LABELING", {}), "MACHINE_MIN_MEASURED_ITEMS": 20}
    _, truth = _crowd()

    def step(project) -> str:
        html = client.get(reverse("dashboard:setup", args=[project.pk])).content.decode()
        start = html.rindex("<li", 0, html.index('id="model-step"'))
        return html[start : html.index("</li>", start)]

    # Without a model rater: people alone
    plain = _crowd_project(tmp_path, "checklist-plain", "weighted", None)
    assert "none: labels are people" in step(plain)
    # A model rater before any refit: unmeasured, with what it needs
    good = _crowd_project(tmp_path, "checklist-good", "weighted", truth)
    assert "model:vendor@1" in step(good) and "unmeasured (it needs 20 items" in step(good)
    assert 'class="done"' not in step(good)  # a model that does not count needs attention
    # Measured right: it counts, and the step is done
    with django_capture_on_commit_callbacks(execute=True):
        project_resolve(project=good, bootstrap=0)
    assert "its vote counts, measured at" in step(good) and 'class="done"' in step(good)
    # Measured wrong: it does not count, said in red
    wrong = _crowd_project(
        tmp_path, "checklist-wrong", "weighted", {i: "dog" if v != "dog" else "cat" for i, v in truth.items()}
    )
    with django_capture_on_commit_callbacks(execute=True):
        project_resolve(project=wrong, bootstrap=0)
    assert 'class="bad">its vote does not count</strong>' in step(wrong)

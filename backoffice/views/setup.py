"""Staff setup pages: create a project and everything it needs, in the browser.

Each view validates its form, calls the owning app's one service (or a setup selector) and renders;
a service's refusal is shown next to its field or as a message, and nothing is stored.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from backoffice.access import staff_required
from backoffice.forms.model_settings import ModelSettingsForm
from backoffice.forms.setup import (
    PROJECT_FIELDS,
    CampaignForm,
    DatasetForm,
    InstructionsForm,
    InviteForm,
    MemberAddForm,
    MemberRemoveForm,
    MemberRoleForm,
    ProjectForm,
    UploadForm,
)
from backoffice.selectors.model_use import model_setup_page
from backoffice.selectors.setup import (
    datasets_setup_page,
    instruction_versions,
    instructions_diff,
    project_campaigns,
    project_items_count,
    project_members,
    project_setup_overview,
)
from backoffice.services import dashboard_dataset_build_start
from backoffice.uploads import upload_import
from config.exceptions import ApplicationError
from datasets.models import Dataset, DatasetVersion, VersionStatus
from datasets.services.definitions import dataset_create
from datasets.services.export import CONTENT_TYPES, FORMATS, version_export_chunks
from labeling.models import Project
from labeling.services.instructions import instructions_publish
from labeling.services.item_formats import upload_size_check
from labeling.services.model_settings import model_settings_update
from labeling.services.projects import membership_add, membership_remove, project_create, project_update
from labeling.services.resolution import project_resolve
from raters.models import RecruitmentCampaign
from raters.services.recruitment import campaign_create, invite_create


def _project(project_id: int) -> Project:
    return get_object_or_404(Project, pk=project_id)


def _page(request: HttpRequest, template: str, project: Project | None = None, status: int = 200, **context):
    context = {"active": "setup" if project else "datasets", "project": project, **context}
    return render(request, f"dashboard/setup/{template}", context, status=status)


def _refusal_to_form(form, exc: ApplicationError) -> None:
    """The service's message at the top of the form, and its per-field reasons next to the fields."""
    form.add_error(None, exc.message)
    for name, reason in (exc.extra.get("fields") or {}).items():
        if name in form.fields:
            form.add_error(name, str(reason))


def _project_options(form: ProjectForm, *, editing: bool) -> dict:
    data = dict(form.cleaned_data)
    data["categories"] = data.get("categories") or []
    keep = set(PROJECT_FIELDS) | {"categories"} | ({"is_active"} if editing else set())
    return {k: v for k, v in data.items() if k in keep}


@staff_required
def project_new(request: HttpRequest) -> HttpResponse:
    form = ProjectForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        options = _project_options(form, editing=False)
        try:
            project = project_create(
                name=options.pop("name"),
                label_type=options.pop("label_type"),
                categories=options.pop("categories"),
                created_by=request.user,
                **options,
            )
        except ApplicationError as exc:
            _refusal_to_form(form, exc)
        else:
            messages.success(request, f"Project {project.name} created. Next: instructions and items.")
            return redirect("dashboard:setup", project.pk)
    return _page(request, "project_form.html", form=form, status=400 if form.errors else 200)


@staff_required
def project_edit(request: HttpRequest, project_id: int) -> HttpResponse:
    project = _project(project_id)
    form = ProjectForm(request.POST or None, project=project)
    if request.method == "POST" and form.is_valid():
        try:
            project_update(project=project, **_project_options(form, editing=True))
        except ApplicationError as exc:
            _refusal_to_form(form, exc)
        else:
            messages.success(request, "Settings saved.")
            return redirect("dashboard:setup", project.pk)
    return _page(request, "project_form.html", project, form=form, status=400 if form.errors else 200)


@staff_required
def setup(request: HttpRequest, project_id: int) -> HttpResponse:
    project = _project(project_id)
    return _page(request, "overview.html", project, overview=project_setup_overview(project=project))


@staff_required
def instructions(request: HttpRequest, project_id: int) -> HttpResponse:
    """Write, preview (the raters' own renderer) and diff; publishing is a separate button on the preview."""
    project = _project(project_id)
    form = InstructionsForm(request.POST or None)
    preview = diff = None
    if request.method == "POST" and form.is_valid():
        body = form.cleaned_data["body"]
        if request.POST.get("action") == "publish":
            try:
                version = instructions_publish(
                    project=project, body=body, created_by=request.user, change_note=form.cleaned_data["change_note"]
                )
            except ApplicationError as exc:
                _refusal_to_form(form, exc)
            else:
                messages.success(request, f"Instructions version {version.version} published.")
                return redirect("dashboard:setup_instructions", project.pk)
        diff = instructions_diff(project=project, body=body)
        preview = diff["preview"]
    elif request.method == "GET":
        current = instruction_versions(project=project)
        form = InstructionsForm(initial={"body": current[0].body if current else ""})
    return _page(
        request,
        "instructions.html",
        project,
        form=form,
        preview=preview,
        diff=diff,
        versions=instruction_versions(project=project),
        status=400 if form.errors else 200,
    )


@staff_required
def model_options(request: HttpRequest, project_id: int) -> HttpResponse:
    """The project's model options, saved by the service the model-settings API uses (one write path)."""
    project = _project(project_id)
    state = model_setup_page(project=project)
    form = ModelSettingsForm(request.POST or None, settings=state["settings"])
    if request.method == "POST" and form.is_valid():
        try:
            model_settings_update(project=project, **form.cleaned_data)
        except ApplicationError as exc:
            _refusal_to_form(form, exc)
        else:
            messages.success(request, "Model options saved.")
            return redirect("dashboard:setup_model", project.pk)
    return _page(
        request, "model.html", project, form=form, predictions=state["predictions"], status=400 if form.errors else 200
    )


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


@staff_required
def items_upload(request: HttpRequest, project_id: int) -> HttpResponse:
    """One upload of items, gold, exam or practice items; the report lists every refused row and why."""
    project = _project(project_id)
    if request.method == "POST":
        length = request.META.get("CONTENT_LENGTH")
        try:
            upload_size_check(int(length) if length and length.isdigit() else None)
        except ApplicationError as exc:
            return _upload_refused(request, project, UploadForm(), exc)
    form = UploadForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST":
        if not form.is_valid():
            if _wants_json(request):
                return JsonResponse(
                    {"message": "Fix the form.", "extra": {"code": "invalid_upload", "fields": _field_errors(form)}},
                    status=400,
                )
            return _page(request, "upload.html", project, form=form, status=400)
        upload = form.cleaned_data["file"]
        try:
            report = upload_import(
                project=project,
                stream=upload.file,
                filename=upload.name or "",
                size=upload.size,
                kind=form.cleaned_data["kind"],
                fmt=form.cleaned_data["format"],
                answer_column=form.cleaned_data["answer_column"],
                explanation_column=form.cleaned_data["explanation_column"],
            )
        except ApplicationError as exc:
            return _upload_refused(request, project, form, exc)
        report["counts"] = project_items_count(project=project)
        if _wants_json(request):
            return JsonResponse(report)
    return _page(
        request, "upload.html", project, form=form, report=report, overview=project_setup_overview(project=project)
    )


def _field_errors(form) -> dict[str, str]:
    return {name: " ".join(str(e) for e in errors) for name, errors in form.errors.items()}


def _upload_refused(request: HttpRequest, project: Project, form: UploadForm, exc: ApplicationError) -> HttpResponse:
    if _wants_json(request):
        return JsonResponse({"message": exc.message, "extra": exc.extra}, status=exc.status_code)
    form.add_error(None, exc.message)
    return _page(request, "upload.html", project, form=form, status=exc.status_code)


@staff_required
def campaigns(request: HttpRequest, project_id: int) -> HttpResponse:
    project = _project(project_id)
    form = CampaignForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            campaign = campaign_create(project=project, created_by=request.user, **form.cleaned_data)
        except ApplicationError as exc:
            form.add_error("slug" if exc.extra.get("code") == "slug_taken" else None, exc.message)
        else:
            messages.success(request, f"Campaign {campaign.title} is open at /join/{campaign.slug}/.")
            return redirect("dashboard:setup_campaigns", project.pk)
    return _page(
        request,
        "campaigns.html",
        project,
        form=form,
        invite_form=InviteForm(),
        campaigns=project_campaigns(project=project),
        status=400 if form.errors else 200,
    )


@staff_required
@require_POST
def invite_new(request: HttpRequest, project_id: int, campaign_id: int) -> HttpResponse:
    project = _project(project_id)
    campaign = get_object_or_404(RecruitmentCampaign, pk=campaign_id, project=project)
    form = InviteForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Max uses must be a whole number of at least 1, or empty.")
    else:
        invite = invite_create(campaign=campaign, created_by=request.user, **form.cleaned_data)
        link = request.build_absolute_uri(reverse("raters:signup", args=[campaign.slug])) + f"?invite={invite.token}"
        messages.success(request, f"Invite created: {link}")
    return redirect(reverse("dashboard:setup_campaigns", args=[project.pk]) + f"#campaign-{campaign.pk}")


@staff_required
def members(request: HttpRequest, project_id: int) -> HttpResponse:
    project = _project(project_id)
    form = MemberAddForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = get_user_model().objects.filter(username=form.cleaned_data["username"]).first()
        if user is None:
            form.add_error("username", "No account with this username.")
        else:
            try:
                membership_add(project=project, user=user, role=form.cleaned_data["role"], actor=request.user)
            except ApplicationError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, f"{user.get_username()} is a {form.cleaned_data['role']} on {project.name}.")
                return redirect("dashboard:setup_members", project.pk)
    return _page(
        request,
        "members.html",
        project,
        form=form,
        members=project_members(project=project),
        role_form=MemberRoleForm(),
        status=400 if form.errors else 200,
    )


def _member(project: Project, user_id: int):
    return get_object_or_404(get_user_model(), pk=user_id, memberships__project=project)


@staff_required
@require_POST
def member_role(request: HttpRequest, project_id: int, user_id: int) -> HttpResponse:
    project = _project(project_id)
    user = _member(project, user_id)
    form = MemberRoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Pick a role.")
    else:
        try:
            membership_add(project=project, user=user, role=form.cleaned_data["role"], actor=request.user)
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"{user.get_username()} is now a {form.cleaned_data['role']}.")
    return redirect("dashboard:setup_members", project.pk)


@staff_required
@require_POST
def member_remove(request: HttpRequest, project_id: int, user_id: int) -> HttpResponse:
    project = _project(project_id)
    user = _member(project, user_id)
    form = MemberRemoveForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        membership_remove(project=project, user=user, actor=request.user, reason=reason)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"{user.get_username()} is removed and banned from {project.name}.")
    return redirect("dashboard:setup_members", project.pk)


@staff_required
@require_POST
def resolve_now(request: HttpRequest, project_id: int) -> HttpResponse:
    """Refit and resolve the project at once (the same service the nightly task runs)."""
    project = _project(project_id)
    try:
        summary = project_resolve(project=project)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            f"Resolved with {summary.method}: {summary.written} written, {summary.unchanged} unchanged, "
            f"{summary.needs_adjudication} for adjudication, {summary.items_not_ready} not ready.",
        )
    return redirect("dashboard:setup", project.pk)


@staff_required
def datasets(request: HttpRequest) -> HttpResponse:
    form = DatasetForm(request.POST or None, initial={"projects": request.GET.getlist("project")})
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data["project_ids"] = [p.pk for p in data.pop("projects")]
        try:
            dataset = dataset_create(created_by=request.user, **data)
        except ApplicationError as exc:
            form.add_error("name" if "name" in exc.extra else None, exc.message)
        else:
            messages.success(request, f"Dataset {dataset.name} defined. Build its first version.")
            return redirect(reverse("dashboard:setup_datasets") + f"#dataset-{dataset.name}")
    return _page(
        request, "datasets.html", form=form, datasets=datasets_setup_page(), status=400 if form.errors else 200
    )


@staff_required
@require_POST
def dataset_build(request: HttpRequest, name: str) -> HttpResponse:
    dataset = get_object_or_404(Dataset, name=name)
    try:
        version = dashboard_dataset_build_start(dataset=dataset)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("dashboard:setup_datasets")
    return redirect("dashboard:setup_version", dataset.name, version.number)


def _version(name: str, number: int) -> DatasetVersion:
    return get_object_or_404(DatasetVersion.objects.select_related("dataset"), dataset__name=name, number=number)


def _status(version: DatasetVersion) -> dict:
    return {
        "status": version.status,
        "progress": version.progress,
        "rows": version.row_count,
        "error": version.error,
        "split_counts": version.split_counts,
    }


@staff_required
@require_GET
def version(request: HttpRequest, name: str, number: int) -> HttpResponse:
    found = _version(name, number)
    return _page(request, "version.html", version=found, status_data=_status(found), formats=FORMATS)


@staff_required
@require_GET
def version_status(request: HttpRequest, name: str, number: int) -> JsonResponse:
    """Polled by the build page's progress bar."""
    return JsonResponse(_status(_version(name, number)))


@staff_required
@require_GET
def version_download(request: HttpRequest, name: str, number: int, file_format: str) -> HttpResponse:
    found = _version(name, number)
    if file_format not in FORMATS:
        raise Http404("Unknown export format.")
    if found.status != VersionStatus.READY:
        messages.error(request, f"Version {found.number} is {found.status}; only a ready version downloads.")
        return redirect("dashboard:setup_version", name, number)
    response = StreamingHttpResponse(
        version_export_chunks(version=found, fmt=file_format), content_type=CONTENT_TYPES[file_format]
    )
    response["Content-Disposition"] = f'attachment; filename="{found.dataset.name}-v{found.number}.{file_format}"'
    response["X-Content-SHA256"] = found.content_hash
    return response

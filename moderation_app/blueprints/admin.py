"""Admin: the LA's areas (localities)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for

from ..auth_loader import role_required
from ..exports import csv_response, xlsx_response
from ..forms import AreaForm, EmptyForm
from ..services import accounts, drift
from ..services import library as vignette_library
from ..services.errors import ServiceError

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.route("/areas", methods=["GET", "POST"])
@role_required("admin")
def areas():
    form = AreaForm()
    if form.validate_on_submit():
        try:
            area = accounts.add_area(form.name.data)
        except ServiceError as exc:
            form.name.errors = list(form.name.errors) + [exc.message]
        else:
            flash(f"Added {area.name}.", "success")
            return redirect(url_for("admin.areas"))
    return render_template(
        "admin/areas.html",
        form=form,
        areas=accounts.list_areas(include_inactive=True),
        action_form=EmptyForm(),
    ), (422 if form.errors else 200)


@bp.post("/areas/<int:area_id>/rename")
@role_required("admin")
def rename_area(area_id: int):
    form = AreaForm()
    if form.validate_on_submit():
        try:
            area = accounts.rename_area(area_id, form.name.data)
        except ServiceError as exc:
            if exc.status == 404:
                raise
            flash(exc.message, "info")
        else:
            flash(f"Renamed to {area.name}.", "success")
    else:
        flash("Enter the area's new name.", "info")
    return redirect(url_for("admin.areas"))


@bp.post("/areas/<int:area_id>/<any(retire, restore):action>")
@role_required("admin")
def toggle_area(area_id: int, action: str):
    if EmptyForm().validate_on_submit():
        area = accounts.set_area_active(area_id, action == "restore")
        flash(f"{area.name} {'restored' if area.active else 'retired: it keeps its history but takes no new joins'}.", "success")
    return redirect(url_for("admin.areas"))


@bp.get("/raters")
@role_required("admin")
def raters():
    rows, reason = drift.rater_rows()
    return render_template("admin/raters.html", rows=rows, reason=reason)


@bp.get("/library")
@role_required("admin")
def library():
    return render_template("admin/library.html", report=vignette_library.library_report())


@bp.get("/library.csv")
@role_required("admin")
def library_csv():
    return csv_response(vignette_library.as_rows(vignette_library.library_report()),
                        "vignette-library.csv")


@bp.get("/library.xlsx")
@role_required("admin")
def library_xlsx():
    return xlsx_response(
        {"Vignette library": vignette_library.as_rows(vignette_library.library_report())},
        "vignette-library.xlsx",
        ["From first (independent) scores of revealed vignettes; each domain in each huddle is "
         "a unit of agreement."],
    )

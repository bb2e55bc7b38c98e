"""The supervisor at 1366x768: lands on the reports, reads the month's and the quarter's
figures and chart, downloads CSV and PDF."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.conftest import DESK, PASSWORD, fits, out_for_delivery, scan, screenshot


def test_the_supervisor_lands_on_the_reports_with_figures_chart_csv_and_pdf(new_context):
    clerk = new_context("clerk", size=DESK)
    number = out_for_delivery(clerk)
    scan(clerk, number, "delivered", recipient_name="Chủ hộ")
    page = new_context(size=DESK).new_page()
    page.goto("/login")
    page.fill("[name=username]", "supervisor-web")
    page.fill("[name=password]", PASSWORD)
    page.click("button[type=submit]")
    expect(page).to_have_url(re.compile(r"/reports$"))
    figures = page.get_by_test_id("report-figures")
    delivered = int(figures.locator("[data-figure=delivered]").text_content())
    assert delivered >= 1
    expect(page.get_by_test_id("report-chart").locator("svg rect").first).to_be_attached()
    expect(page.get_by_test_id("report-chart")).to_contain_text("Phước")
    expect(page.get_by_test_id("quarter-figures")).to_be_visible()
    fits(page, DESK[0])
    screenshot(page, "reports-supervisor")
    csv = page.context.request.get(page.get_by_test_id("report-csv").get_attribute("href"))
    assert csv.status == 200 and csv.body().startswith("\ufeff".encode())
    assert "text/csv" in csv.headers["content-type"]
    pdf = page.context.request.get(page.get_by_test_id("report-pdf").get_attribute("href"))
    assert pdf.status == 200 and pdf.body().startswith(b"%PDF")
    page.fill("[name=month]", "2020-01")
    page.click("text=Xem")
    expect(figures.locator("[data-figure=delivered]")).to_have_text("0")
    # A clerk is sent back to the desk.
    clerk_page = clerk.new_page()
    clerk_page.goto("/reports")
    expect(clerk_page).to_have_url(re.compile(r"/desk$"))


def test_the_admin_reads_one_communes_reports_picked_from_the_list_with_its_csv(new_context, admin):
    clerk = new_context("clerk", size=DESK)
    number = out_for_delivery(clerk)
    scan(clerk, number, "delivered", recipient_name="Chủ hộ")
    (own,) = clerk.request.get("/api/v1/communes").json()["items"]
    page = new_context("admin", size=DESK).new_page()
    page.goto("/admin/communes")
    page.get_by_role("link", name="Báo cáo").click()
    expect(page).to_have_url(re.compile(r"/reports$"))
    page.select_option("[data-testid=commune-picker] select", own["code"])
    page.click("[data-testid=commune-picker] button")
    expect(page).to_have_url(re.compile(rf"/reports\?commune={own['code']}$"))
    assert int(page.get_by_test_id("report-figures").locator("[data-figure=delivered]").text_content()) >= 1
    csv = page.context.request.get(page.get_by_test_id("report-csv").get_attribute("href"))
    assert csv.status == 200 and own["name"] in csv.text()
    page.fill("[name=month]", "2020-01")  # another month keeps the commune picked
    page.click("form[action='/reports']:not([data-testid]) button")
    expect(page).to_have_url(re.compile(rf"commune={own['code']}"))
    expect(page.get_by_test_id("report-figures").locator("[data-figure=delivered]")).to_have_text("0")
    screenshot(page, "reports-admin")

"""The supervisor's and the province admin's pages at the desk's 1366x768: accounts (add, sign
in, change the role, reset the password, disable), hamlets (add, rename, deactivate), communes
(add, merge after a confirmation), the refusals, axe-core; and the desk's ZPL label download."""

from __future__ import annotations

import re
import unicodedata
import uuid

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import DESK, PASSWORD, book_number, fits, screenshot
from tests.browser.test_accessibility import unlabeled_fields, violations

HAMLET = "Ấp Phước Hưng"


def unique(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:6]}"


def sign_in(new_context, username: str, password: str):
    page = new_context(size=DESK).new_page()
    page.goto("/login")
    page.fill("[name=username]", username)
    page.fill("[name=password]", password)
    page.click("button[type=submit]")
    return page


def user_row(page, username: str):
    return page.locator(f"[data-testid=user-row][data-username='{username}']")


def add_user(page, username: str, full_name: str, role: str, password: str) -> None:
    page.fill("[name=username]", username)
    page.fill("[name=full_name]", full_name)
    page.select_option("#add-user [name=role]", role)
    page.fill("#add-user [name=password]", password)
    page.click("#add-user button[type=submit]")


def test_the_supervisor_adds_an_account_changes_its_role_resets_its_password_and_disables_it(new_context):
    page = new_context("supervisor", size=DESK).new_page()
    page.goto("/admin/users")
    expect(page.get_by_role("heading", name="Tài khoản cán bộ")).to_be_visible()
    username, password = unique("thu."), "mật-khẩu-của-thu"
    add_user(page, username, "Trần Thị Thu", "postal", password)
    row = user_row(page, username)
    expect(row).to_be_visible(timeout=15000)
    expect(page.locator("#admin-message")).to_have_text(f"Đã thêm tài khoản {username}.")
    expect(row).to_contain_text("Trần Thị Thu")
    expect(row.get_by_test_id("user-role")).to_have_value("postal")
    fits(page, DESK[0])
    screenshot(page, "admin-users-supervisor")

    # The new postman signs in and lands on the phone page.
    postman = sign_in(new_context, username, password)
    expect(postman).to_have_url(re.compile(r"/scan$"))

    # A role change applies on the account's next request.
    row.get_by_test_id("user-role").select_option("clerk")
    row.get_by_role("button", name="Đổi vai trò").click()
    expect(page.locator("#admin-message")).to_have_text("Đã lưu.", timeout=15000)
    expect(user_row(page, username).get_by_test_id("user-role")).to_have_value("clerk")
    postman.goto("/")
    expect(postman).to_have_url(re.compile(r"/desk$"))

    # A new password: the old one no longer signs in, the new one does.
    row = user_row(page, username)
    row.get_by_text("Đặt lại mật khẩu").click()
    row.get_by_label(f"Mật khẩu mới cho {username}").fill("mật-khẩu-mới-2026")
    row.get_by_test_id("reset-password").click()
    expect(page.locator("#admin-message")).to_have_text("Đã lưu.", timeout=15000)
    refused = sign_in(new_context, username, password)
    expect(refused.get_by_test_id("login-error")).to_be_visible(timeout=15000)
    expect(sign_in(new_context, username, "mật-khẩu-mới-2026")).to_have_url(re.compile(r"/desk$"))

    # Disabled: sign-in refused, and the session already open ends on its next request.
    user_row(page, username).get_by_test_id("disable-user").click()
    row = user_row(page, username)
    expect(row.get_by_test_id("user-state")).to_have_text("Đã khóa", timeout=15000)
    expect(row.get_by_test_id("enable-user")).to_be_visible()
    refused = sign_in(new_context, username, "mật-khẩu-mới-2026")
    expect(refused.get_by_test_id("login-error")).to_have_text(
        "Sai tên đăng nhập hoặc mật khẩu. Vui lòng thử lại.", timeout=15000
    )
    postman.goto("/desk")
    expect(postman).to_have_url(re.compile(r"/login"))

    row.get_by_test_id("enable-user").click()
    expect(user_row(page, username).get_by_test_id("user-state")).to_have_text("Đang hoạt động", timeout=15000)
    # The supervisor's own account is listed but not managed from here.
    own = user_row(page, "supervisor-web")
    expect(own).to_contain_text("Không quản lý từ trang này")
    expect(own.get_by_test_id("disable-user")).to_have_count(0)


def test_bad_account_input_is_explained_in_vietnamese_by_the_field_and_keeps_what_was_typed(new_context):
    page = new_context("supervisor", size=DESK).new_page()
    page.goto("/admin/users")
    rows = page.get_by_test_id("user-row").count()

    add_user(page, "clerk-web", "Lê Văn Tám", "clerk", "mật-khẩu-dài-đủ")
    error = page.locator("#err-username")
    expect(error).to_have_text("Tên đăng nhập này đã có người dùng. Hãy chọn tên khác.", timeout=15000)
    expect(page.locator("[name=username]")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("[name=username]")).to_have_value("clerk-web")
    expect(page.locator("[name=full_name]")).to_have_value("Lê Văn Tám")
    expect(page.locator("#add-user [name=role]")).to_have_value("clerk")
    expect(page.locator("#add-user [name=password]")).to_have_value("mật-khẩu-dài-đủ")
    screenshot(page, "admin-users-error")

    username = unique("tam.")
    page.fill("[name=username]", username)
    page.fill("#add-user [name=password]", "ngắn")
    page.click("#add-user button[type=submit]")
    expect(page.locator("#err-password")).to_have_text("Mật khẩu phải có ít nhất 8 ký tự.", timeout=15000)
    expect(error).to_be_hidden()
    expect(page.locator("[name=username]")).to_have_value(username)
    expect(page.locator("[name=full_name]")).to_have_value("Lê Văn Tám")

    page.fill("[name=username]", "có dấu")
    page.click("#add-user button[type=submit]")
    expect(error).to_have_text(re.compile(r"^Tên đăng nhập 2–64 ký tự"))

    # A short new password on a row: refused there, in Vietnamese.
    row = user_row(page, "clerk-web")
    row.get_by_text("Đặt lại mật khẩu").click()
    row.get_by_label("Mật khẩu mới cho clerk-web").fill("123")
    row.get_by_test_id("reset-password").click()
    expect(row.locator("[data-row-error]")).to_have_text("Mật khẩu phải có ít nhất 8 ký tự.", timeout=15000)
    # Nothing was added, and no English reached the page.
    page.reload()
    expect(page.get_by_test_id("user-row")).to_have_count(rows)
    assert user_row(page, username).count() == 0
    assert "password" not in page.locator("main").inner_text().lower()


def hamlet_row(page, code: str):
    return page.locator(f"[data-testid=hamlet-row][data-code='{code}']")


def test_the_supervisor_adds_renames_and_deactivates_a_hamlet_with_its_vietnamese_name_intact(new_context):
    clerk = new_context("clerk", size=DESK)
    page = new_context("supervisor", size=DESK).new_page()
    page.goto("/admin/hamlets")
    expect(page.get_by_test_id("hamlet-row").first).to_be_visible()
    code = unique("H").upper()
    page.fill("#add-hamlet [name=code]", code)
    page.fill("#add-hamlet [name=name]", "Ấp Mới")
    page.click("#add-hamlet button[type=submit]")
    row = hamlet_row(page, code)
    expect(row.get_by_test_id("hamlet-name")).to_have_text("Ấp Mới", timeout=15000)
    expect(page.locator("#admin-message")).to_have_text("Đã thêm ấp Ấp Mới.")

    # The same code again: refused by the field, in Vietnamese, the name kept.
    page.fill("#add-hamlet [name=code]", code)
    page.fill("#add-hamlet [name=name]", "Ấp Trùng")
    page.click("#add-hamlet button[type=submit]")
    expect(page.locator("#err-code")).to_have_text("Mã ấp này đã có trong xã. Hãy chọn mã khác.", timeout=15000)
    expect(page.locator("#add-hamlet [name=name]")).to_have_value("Ấp Trùng")
    page.fill("#add-hamlet [name=lat]", "chín mươi")
    page.fill("#add-hamlet [name=code]", unique("H").upper())
    page.click("#add-hamlet button[type=submit]")
    expect(page.locator("#err-lat")).to_have_text("Vĩ độ là một số từ -90 đến 90.", timeout=15000)

    # Renamed, typed decomposed (as some keyboards send it): stored and shown composed.
    page.goto("/admin/hamlets")
    row = hamlet_row(page, code)
    row.locator("[name=name]").fill(unicodedata.normalize("NFD", HAMLET))
    row.get_by_test_id("rename-hamlet").click()
    expect(hamlet_row(page, code).get_by_test_id("hamlet-name")).to_have_text(HAMLET, timeout=15000)
    listed = {h["code"]: h for h in clerk.request.get("/api/v1/hamlets").json()}
    assert listed[code]["name"] == HAMLET
    fits(page, DESK[0])
    screenshot(page, "admin-hamlets-supervisor")

    hamlet_row(page, code).get_by_test_id("deactivate-hamlet").click()
    row = hamlet_row(page, code)
    expect(row.get_by_test_id("hamlet-state")).to_have_text("Ngừng hoạt động", timeout=15000)
    expect(row.get_by_test_id("hamlet-name")).to_have_text(HAMLET)
    assert code not in {h["code"] for h in clerk.request.get("/api/v1/hamlets").json()}
    # The desk's booking form no longer offers it.
    desk = clerk.new_page()
    desk.goto("/desk")
    expect(desk.locator(f"[name=hamlet_code] option[value='{code}']")).to_have_count(0)


def commune_row(page, code: str):
    return page.locator(f"[data-testid=commune-row][data-code='{code}']")


def fill_commune(page, code: str, name: str) -> None:
    page.fill("#add-commune [name=code]", code)
    page.fill("#add-commune [name=name]", name)
    page.fill("#add-commune [name=post_office_lat]", "10,5012")  # a decimal comma, as typed here
    page.fill("#add-commune [name=post_office_lon]", "107.2001")
    page.click("#add-commune button[type=submit]")


def add_commune(page, code: str, name: str) -> None:
    fill_commune(page, code, name)
    expect(commune_row(page, code)).to_contain_text(name, timeout=15000)


def test_the_admin_lands_on_the_communes_adds_two_and_merges_one_into_the_other(new_context, admin):
    page = sign_in(new_context, admin, PASSWORD)
    expect(page).to_have_url(re.compile(r"/admin/communes$"))
    expect(page.get_by_role("heading", name="Các xã trong tỉnh")).to_be_visible()
    old, into = unique("TP").upper(), unique("TA").upper()
    add_commune(page, old, "Tam Phước")
    expect(page.locator("#admin-message")).to_have_text("Đã thêm xã Tam Phước.")
    add_commune(page, into, "Tam An")
    # A code taken: refused by the field, what was typed kept.
    fill_commune(page, into, "Tam An mới")
    expect(page.locator("#err-code")).to_have_text("Mã xã này đã có. Hãy chọn mã khác.", timeout=15000)
    expect(page.locator("#add-commune [name=name]")).to_have_value("Tam An mới")

    # The admin gives the old commune a hamlet and an account, on its pages (`?commune=`).
    commune_row(page, old).get_by_role("link", name="Ấp").click()
    expect(page).to_have_url(re.compile(rf"/admin/hamlets\?commune={old}$"))
    page.fill("#add-hamlet [name=code]", "PH")
    page.fill("#add-hamlet [name=name]", HAMLET)
    page.fill("#add-hamlet [name=lat]", "10.51")
    page.fill("#add-hamlet [name=lon]", "107.21")
    page.click("#add-hamlet button[type=submit]")
    expect(hamlet_row(page, "PH").get_by_test_id("hamlet-name")).to_have_text(HAMLET, timeout=15000)
    screenshot(page, "admin-hamlets-admin")
    page.goto(f"/admin/users?commune={old}")
    clerk_name = unique("clerk.")
    add_user(page, clerk_name, "Võ Thị Lan", "clerk", "mật-khẩu-của-lan")
    expect(user_row(page, clerk_name)).to_be_visible(timeout=15000)
    screenshot(page, "admin-users-admin")

    page.goto("/admin/communes")
    page.select_option("#merge [name=from]", old)
    page.select_option("#merge [name=into]", old)
    page.get_by_test_id("merge-button").click()
    expect(page.locator("#err-into")).to_have_text("Hãy chọn hai xã khác nhau.")
    page.select_option("#merge [name=into]", into)
    page.get_by_test_id("merge-button").click()
    confirm = page.get_by_test_id("merge-confirm")
    expect(confirm).to_contain_text("Sáp nhập xã Tam Phước vào xã Tam An?")
    page.get_by_role("button", name="Thôi").click()
    expect(confirm).to_be_hidden()
    expect(commune_row(page, old).get_by_test_id("commune-state")).to_have_text("Đang hoạt động")
    page.get_by_test_id("merge-button").click()
    page.get_by_test_id("merge-yes").click()
    expect(page.locator("#admin-message")).to_have_text("Đã sáp nhập xã Tam Phước vào xã Tam An.", timeout=15000)
    expect(page).to_have_url(re.compile(r"/admin/communes$"))
    expect(commune_row(page, old).get_by_test_id("commune-state")).to_have_text(f"đã sáp nhập vào {into}")
    expect(commune_row(page, into)).to_contain_text("1")  # the hamlet moved
    fits(page, DESK[0])
    screenshot(page, "admin-communes")
    # The hamlet and the account are now the new commune's; the old one is not offered again.
    page.goto(f"/admin/hamlets?commune={into}")
    expect(hamlet_row(page, "PH").get_by_test_id("hamlet-name")).to_have_text(HAMLET)
    page.goto(f"/admin/users?commune={into}")
    expect(user_row(page, clerk_name)).to_be_visible()
    page.goto("/admin/communes")
    expect(page.locator(f"#merge [name=from] option[value='{old}']")).to_have_count(0)


def test_a_clerk_and_a_postman_are_refused_the_admin_pages_and_a_visitor_asked_to_sign_in(new_context):
    for role in ("clerk", "postal"):
        page = new_context(role, size=DESK).new_page()
        for path in ("/admin/users", "/admin/hamlets", "/admin/communes"):
            answer = page.goto(path)
            assert answer is not None and answer.status == 403
            expect(page.get_by_test_id("error-page")).to_contain_text("Không có quyền truy cập")
    supervisor = new_context("supervisor", size=DESK).new_page()
    answer = supervisor.goto("/admin/communes")
    assert answer is not None and answer.status == 403
    screenshot(supervisor, "admin-refused")
    # The supervisor's menu: reports, desk, accounts, hamlets; not the communes.
    menu = supervisor.get_by_role("navigation", name="menu")
    for name in ("Báo cáo", "Quầy tiếp nhận", "Tài khoản", "Ấp"):
        expect(menu.get_by_role("link", name=name, exact=True)).to_be_visible()
    expect(menu.get_by_role("link", name="Xã", exact=True)).to_have_count(0)
    visitor = new_context(size=DESK).new_page()
    visitor.goto("/admin/users")
    expect(visitor).to_have_url(re.compile(r"/login\?next=%2Fadmin%2Fusers$"))


@pytest.mark.parametrize(
    ("role", "path"),
    [("supervisor", "/admin/users"), ("supervisor", "/admin/hamlets"), ("admin", "/admin/communes"),
     ("admin", "/admin/users"), ("admin", "/admin/hamlets")],
)  # fmt: skip
def test_the_admin_pages_pass_axe_with_every_field_labelled(new_context, admin, role, path):
    page = new_context(role, size=DESK, bypass_csp=True).new_page()
    answer = page.goto(path)
    assert answer is not None and answer.status == 200
    for details in page.locator("details").all():
        details.evaluate("(el) => { el.open = true; }")  # the password fields, shown
    assert unlabeled_fields(page) == []
    assert violations(page) == []
    fits(page, DESK[0])


def test_the_desk_downloads_a_parcels_label_as_zpl(new_context):
    clerk = new_context("clerk", size=DESK)
    number = book_number(clerk)
    page = clerk.new_page()
    page.goto(f"/desk/parcels/{number}")
    link = page.get_by_test_id("label-zpl-link")
    expect(link).to_have_text("Tải nhãn ZPL (máy in nhiệt)")
    with page.expect_download() as download:
        link.click()
    assert download.value.suggested_filename == f"label-{number}.zpl"
    zpl = download.value.path().read_bytes().decode("utf-8")
    assert zpl.startswith("^XA") and "^CI28" in zpl and number in zpl

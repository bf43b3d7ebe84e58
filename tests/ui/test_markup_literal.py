"""Text not written by the code is shown literally (issue 22 point 15): an imported
reason ``[b]y`` on the admin view, a sync error line from the database server holding
``[/]`` (parsed as markup it raised MarkupError and took the admin view down)."""
from __future__ import annotations

from dataclasses import replace

from kiosk.config import SyncConfig
from kiosk.fleet.status import SyncState, write_state
from tests.conftest import wait_until
from tests.ui.test_admin_view import TODAY, Host, at, loaded, make_config, row, text, write


async def test_imported_reason_and_a_sync_error_are_shown_literally(tmp_path):
    config = replace(make_config(tmp_path), sync=SyncConfig(url="host=db.example"))
    write(config, [row(f"r{i}", at(TODAY, 10, i), 1, reason="[b]y") for i in range(6)]
          + [row(f"s{i}", at(TODAY, 11, i), 5) for i in range(6)])
    write_state(config.data_dir, SyncState(error='server said: [/] role "[b]x" denied'))
    app = Host(config)
    async with app.run_test(size=(120, 36)):
        admin = await loaded(app)
        await wait_until(lambda: "[b]y" in text(admin, "#reasons"),
                         what=lambda: text(admin, "#reasons"))
        await wait_until(lambda: '[/] role "[b]x" denied' in text(admin, "#sync-status"),
                         what=lambda: text(admin, "#sync-status"))

def test_debug(page, haile, log_in_as):
    msgs = []
    page.on("console", lambda m: msgs.append(f"{m.type}: {m.text}"))
    page.on("request", lambda r: msgs.append(f"REQ {r.url}"))
    page.on("response", lambda r: msgs.append(f"RESP {r.status} {r.url}"))
    log_in_as(haile["coordinator"])
    page.goto("/")
    print("htmx:", page.evaluate("typeof window.htmx"))
    page.get_by_role("searchbox").fill("Haile")
    page.wait_for_timeout(1500)
    print("\n".join(msgs))
    print(page.locator("#family-list").inner_html()[:500])
    assert False

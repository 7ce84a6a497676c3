from bot.sandbox.render import WIDTH, columns, render_embed, wrap


def test_a_long_field_value_wraps_under_its_field_name() -> None:
    value = "[3Blue1Brown — Essence of linear algebra](https://www.3blue1brown.com/topics/linear-algebra) " * 2
    box = render_embed({"title": "Day 1", "fields": [{"name": "Resource", "value": value}]})
    assert all(len(line) == WIDTH for line in box)
    body = [line[2:-2].rstrip() for line in box[1:-1]]
    start = body.index("■ Resource")
    value_lines = [line for line in body[start + 1 :] if line]
    assert len(value_lines) > 1, "the value wraps"
    assert all(line.startswith("  ") and not line.startswith("   ") for line in value_lines)
    assert " ".join(part.strip() for part in value_lines) == value.strip()


def test_terminal_columns_count_emoji_as_two_and_joiners_as_none() -> None:
    assert columns("points") == 6
    assert columns("🏆 Points") == 9
    assert columns("✏️ Answer") == 9  # a pencil shown as emoji, then a space and six letters
    assert columns("e\u0301") == 1  # e and a combining accent


def test_boxes_with_emoji_keep_their_right_edge() -> None:
    box = render_embed({"title": "🏆 Points · this week", "description": "🥇 @alice — **10** points\n✅ done"})
    assert {columns(line) for line in box} == {WIDTH}


def test_wrapped_lines_start_with_a_word_and_fit_in_columns() -> None:
    text = "`/config leaderboard exclude` — Leave members holding a role off the leaderboards 🏆🏆 " * 3
    pieces = wrap(text, 40)
    assert all(columns(piece) <= 40 for piece in pieces)
    assert all(not piece.startswith(" ") for piece in pieces)
    assert " ".join(pieces) == text.strip()
    assert wrap("  🥇" * 30, 20)[1].startswith("  🥇"), "continuations keep the indent"
    assert wrap("x" * 50, 20) == ["x" * 20, "x" * 20, "x" * 10]
    assert wrap("", 20) == [""] and wrap("two  spaces", 40) == ["two  spaces"]

"""Replaces a generated section (between two HTML comment markers) of docs/benchmarks.md."""
import os

DOC = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "docs", "benchmarks.md")


def replace_section(begin, end, body):
    text = open(DOC).read()
    section = f"{begin}\n{body}\n{end}"
    if begin in text:
        text = text[:text.index(begin)] + section + text[text.index(end) + len(end):]
    else:
        text += "\n" + section + "\n"
    open(DOC, "w").write(text)

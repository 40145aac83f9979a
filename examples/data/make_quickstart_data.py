#!/usr/bin/env python3
"""Writes the quickstart's bundled dataset: short children's stories in Alpaca format (instruction -> story).

The stories are composed from templates (names, animals, things, places, feelings), so the set is small, varied,
and in the register stories260K was pretrained on (TinyStories), yet has a house style the base model does not
know: a fixed opening line per instruction and a moral at the end. Fine-tuning should lower held-out perplexity
and make generations pick up that style. Deterministic: the same seed writes the same files.
"""
import json
import random

NAMES = ["Lily", "Tom", "Mia", "Ben", "Sue", "Max", "Anna", "Sam", "Lucy", "Tim", "Zoe", "Jack"]
ANIMALS = ["cat", "dog", "bird", "bunny", "frog", "duck", "fox", "bear"]
THINGS = ["red ball", "big box", "blue kite", "little boat", "shiny key", "soft hat", "green cup", "toy car"]
PLACES = ["park", "garden", "forest", "beach", "farm", "yard", "lake", "hill"]
FEELINGS = [("happy", "smiled"), ("sad", "cried"), ("scared", "hid"), ("excited", "jumped")]
MORALS = [
    "The moral of the story is: sharing makes everyone happy.",
    "The moral of the story is: always be kind to your friends.",
    "The moral of the story is: it is good to ask for help.",
    "The moral of the story is: be careful and stay safe.",
]

TEMPLATES = [
    "One day, {name} went to the {place} with a {thing}. {name} met a little {animal}. The {animal} was {feel}. "
    "{name} said, \"Do you want to play with my {thing}?\" The {animal} {act} and then they played all day. "
    "{moral}",
    "{name} had a {thing}. {name} loved the {thing} very much. At the {place}, a {animal} took the {thing} and ran "
    "away. {name} was {feel}. Then the {animal} came back and said, \"I am sorry.\" They became friends. {moral}",
    "In the {place}, there was a {animal} who wanted a {thing}. {name} saw the {animal} and felt {feel}. {name} "
    "gave the {animal} the {thing}. The {animal} {act} and said, \"Thank you, {name}!\" {moral}",
]


def story(rnd):
    name, animal, thing, place = (rnd.choice(NAMES), rnd.choice(ANIMALS), rnd.choice(THINGS), rnd.choice(PLACES))
    feel, act = rnd.choice(FEELINGS)
    moral = rnd.choice(MORALS)
    text = rnd.choice(TEMPLATES).format(name=name, animal=animal, thing=thing, place=place, feel=feel, act=act,
                                        moral=moral)
    return {"instruction": f"Write a short story about {name} and a {animal}.", "input": "", "output": text}


def main():
    rnd = random.Random(2026)
    rows = [story(rnd) for _ in range(260)]
    with open("quickstart-train.jsonl", "w") as f:
        for r in rows[:240]:
            f.write(json.dumps(r) + "\n")
    with open("quickstart-eval.jsonl", "w") as f:
        for r in rows[240:]:
            f.write(json.dumps(r) + "\n")


if __name__ == "__main__":
    main()

"""Tokens, key terms, names and sentences (no model needed)."""

from __future__ import annotations

from rag.terms import entity_terms, fts_query, key_terms, matched_terms, sentences, stem, tokens


def test_tokens_follow_unicode61():
    assert tokens("Is our data in the EU? SAP S/4HANA!") == [
        "is", "our", "data", "in", "the", "eu", "sap", "s", "4hana"]


def test_key_terms_drop_stopwords_and_filler():
    assert key_terms("Honestly, can we keep our data in the EU region?") == [
        "keep", "data", "eu", "region"]


def test_entity_terms_find_names_and_codes():
    assert entity_terms("We run SAP S/4HANA. Is our data kept in the EU, in Frankfurt?") == [
        "sap", "4hana", "eu", "frankfurt"]
    assert entity_terms("How do you encrypt our fleet data?") == []


def test_stem_and_matched_terms():
    assert stem("hosting") == "host" and stem("invoices") == "invoic" and stem("access") == "access"
    assert stem("integrations") == stem("integrates") == "integr"
    assert matched_terms(["hosted", "eu", "data"], "Data is hosted in US data centres") == [
        "hosted", "data"]


def test_sentences_split_lines_and_sentences():
    assert sentences("Data stays in Frankfurt. Backups too!\nSee the DPA.") == [
        "Data stays in Frankfurt.", "Backups too!", "See the DPA."]


def test_fts_query_quotes_every_term():
    assert fts_query(["eu", 'a"b', "or"]) == '"eu" OR "a""b" OR "or"'

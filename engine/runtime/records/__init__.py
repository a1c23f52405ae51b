"""The record service: the one door every write goes through."""

"""Automatic order review (审单): rules, the engine that runs them, the exception queue.

The actions that change orders live in `review.actions`; views, API and tasks call them.
"""

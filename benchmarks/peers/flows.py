"""Peer 2: a three-task viewflow.workflow process (start, three handled tasks, end), run from code."""

from viewflow import this
from viewflow.workflow import flow

from .models import PeerProcess


class ThreeTaskFlow(flow.Flow):
    process_class = PeerProcess

    start = flow.StartHandle(this.begin).Next(this.review)
    review = flow.Handle(this.step).Next(this.approve)
    approve = flow.Handle(this.step).Next(this.publish)
    publish = flow.Handle(this.step).Next(this.end)
    end = flow.End()

    def begin(self, activation, **kwargs):
        activation.process.data = {"title": kwargs.get("title", "")}
        return activation.process

    def step(self, activation, **kwargs):
        return activation.process

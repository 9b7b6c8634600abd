"use client";

import { Button, Card } from "@/components/ui";

// Never shows the error's message or stack: only that something failed and nothing changed.
export default function ErrorPage({ reset }: { error: Error; reset: () => void }) {
  return (
    <main id="main" tabIndex={-1} className="outline-none mx-auto max-w-md px-4 py-16">
      <Card>
        <h1 className="text-xl font-semibold">Temporarily unavailable</h1>
        <p className="mb-6 mt-2 text-sm text-muted">
          Something went wrong on our side. Nothing was changed. Please try again in a moment.
        </p>
        <Button onClick={() => reset()}>Try again</Button>
      </Card>
    </main>
  );
}

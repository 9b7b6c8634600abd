import { ButtonLink, Card } from "@/components/ui";

export default function NotFound() {
  return (
    <main id="main" tabIndex={-1} className="outline-none mx-auto max-w-md px-4 py-16">
      <Card>
        <h1 className="text-xl font-semibold">Not found</h1>
        <p className="mb-6 mt-2 text-sm text-muted">There is nothing here, or it is not yours to see.</p>
        <ButtonLink href="/dashboard">Back to your accounts</ButtonLink>
      </Card>
    </main>
  );
}
